#include "lse/plan/plan_codec.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cmath>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "lse/core/byte_codec.hpp"
#include "plan_stream.hpp"

namespace lse::plan {
namespace {

constexpr std::string_view kMagic = "LSEP";

// Which fields of a request differ from its base (the previous request with the same name).
// A replayed scenario's request table is mostly the same few requests per virtual user with a
// different token or id, so most requests encode as "like that one, but this header value".
enum RequestField : std::uint8_t {
    kFieldMethod = 1 << 0,
    kFieldUrl = 1 << 1,
    kFieldHeaders = 1 << 2,
    kFieldBody = 1 << 3,
    kFieldName = 1 << 4,
    kFieldExpect = 1 << 5,
    kFieldTimeout = 1 << 6,
    kFieldAll = 0x7f,
};
// How a changed header list is written.
enum HeaderMode : std::uint8_t { kHeadersFull = 0, kHeadersValuesOnly = 1 };

// Format 5: the data feeds, after the scenarios. Cells are written in place (not in the string table: most
// are distinct, and an agent's slice is its own), so ReplaceFeeds can swap them without re-encoding the rest.
void WriteFeeds(ByteWriter& w, const std::vector<DataFeed>& feeds) {
    w.U64(feeds.size());
    for (const DataFeed& f : feeds) {
        w.Str(f.name);
        w.Byte(static_cast<std::uint8_t>(f.options.mode));
        w.Byte(static_cast<std::uint8_t>(f.options.on_exhausted));
        w.U64(f.options.seed);
        w.U64(f.first_row);
        w.U64(f.total_rows);
        w.U64(f.table.ColumnCount());
        for (const auto& c : f.table.Columns()) w.Str(c);
        w.U64(f.table.RowCount());
        for (std::size_t i = 0; i < f.table.Cells().size(); ++i) {
            w.Byte(static_cast<std::uint8_t>(f.table.Kinds()[i]));
            w.Str(f.table.Cells()[i]);
        }
    }
}

// ---------------------------------------------------------------- encoding

// What a slice keeps of one scenario: its virtual users' positions and the requests they use, re-indexed in their
// original order (kept[new] = old, index[old] = new or kDropped).
struct ScenarioKeep {
    static constexpr std::uint32_t kDropped = UINT32_MAX;
    std::vector<std::size_t> vusers;
    std::vector<std::uint32_t> kept;
    std::vector<std::uint32_t> index;
};

ScenarioKeep KeepOf(const ScenarioPlan& s, const std::vector<std::size_t>* positions) {
    ScenarioKeep k;
    if (positions == nullptr) {
        k.vusers.resize(s.vusers.size());
        for (std::size_t i = 0; i < k.vusers.size(); ++i) k.vusers[i] = i;
        k.kept.resize(s.requests.size());
        k.index.resize(s.requests.size());
        for (std::uint32_t i = 0; i < k.kept.size(); ++i) k.kept[i] = k.index[i] = i;
        return k;
    }
    std::vector<bool> used(s.requests.size(), false);
    for (const std::size_t p : *positions) {
        if (p >= s.vusers.size()) throw std::invalid_argument("EncodePlanSlice: virtual user position out of range");
        if (!k.vusers.empty() && p <= k.vusers.back()) {
            throw std::invalid_argument("EncodePlanSlice: positions must be increasing");
        }
        k.vusers.push_back(p);
        for (const auto& steps : s.vusers[p].task_steps) {
            for (const Step& st : steps) {
                if (st.IsRequest() && st.request < used.size()) used[st.request] = true;
            }
        }
    }
    k.index.assign(s.requests.size(), ScenarioKeep::kDropped);
    for (std::uint32_t i = 0; i < used.size(); ++i) {
        if (!used[i]) continue;
        k.index[i] = static_cast<std::uint32_t>(k.kept.size());
        k.kept.push_back(i);
    }
    return k;
}

class Encoder {
public:
    explicit Encoder(const Plan& plan, const VuPositions* keep = nullptr) : plan_(plan) {
        if (keep != nullptr && keep->size() != plan.scenarios.size()) {
            throw std::invalid_argument("EncodePlanSlice: one position list per scenario");
        }
        for (std::size_t i = 0; i < plan.scenarios.size(); ++i) {
            keep_.push_back(KeepOf(plan.scenarios[i], keep == nullptr ? nullptr : &(*keep)[i]));
        }
    }

    std::string Run() {
        CollectStrings();
        std::string out;
        ByteWriter w(&out);
        w.Raw(kMagic);
        w.U64(kPlanFormatVersion);
        WriteStringTable(w);
        w.U64(plan_.version);
        w.U64(Index(plan_.cluster_id));
        w.U64(Index(plan_.run_id));
        w.U64(plan_.scenarios.size());
        for (std::size_t i = 0; i < plan_.scenarios.size(); ++i) WriteScenario(w, plan_.scenarios[i], keep_[i]);
        WriteFeeds(w, plan_.feeds);
        return out;
    }

private:
    void Add(const std::string& s) { strings_.emplace(std::string_view(s), 0u); }
    void AddTemplate(const Template& t) {
        for (const auto& seg : t.segments) Add(seg.text);
    }
    void CollectStrings() {
        Add(plan_.cluster_id);
        Add(plan_.run_id);
        for (std::size_t si = 0; si < plan_.scenarios.size(); ++si) {
            const ScenarioPlan& s = plan_.scenarios[si];
            const ScenarioKeep& keep = keep_[si];
            Add(s.name);
            Add(s.setup_data);
            Add(s.client_cert_pem);  // format 6
            Add(s.client_key_pem);
            for (const auto& t : s.tasks) Add(t.name);
            for (const std::uint32_t ri : keep.kept) {
                const PlannedRequest& r = s.requests[ri];
                AddTemplate(r.url);
                for (const auto& [name, value] : r.headers) {
                    Add(name);
                    AddTemplate(value);
                }
                AddTemplate(r.body);
                Add(r.name);
                if (r.method == http::Method::kOther) Add(r.method_token);  // format 5
                Add(r.group);                                               // format 5
                Add(r.tags);                                                // format 6
            }
            for (const auto& m : s.metrics) Add(m.name);  // format 6
            for (const std::size_t p : keep.vusers) {
                for (const auto& steps : s.vusers[p].task_steps) {
                    for (const auto& st : steps) {
                        if (!st.IsRequest()) continue;  // canonical form: only a request step has an extraction list
                        for (const auto& x : st.extract) {
                            Add(x.key);
                            Add(x.pattern);
                        }
                    }
                }
            }
        }
        std::uint32_t i = 0;
        for (auto& [s, index] : strings_) index = i++;  // sorted order: front coding works best
    }
    std::uint32_t Index(const std::string& s) const { return strings_.at(std::string_view(s)); }

    void WriteStringTable(ByteWriter& w) {
        w.U64(strings_.size());
        std::string_view prev;
        for (const auto& [s, index] : strings_) {
            size_t shared = 0;
            while (shared < prev.size() && shared < s.size() && prev[shared] == s[shared]) ++shared;
            w.U64(shared);
            w.U64(s.size() - shared);
            w.Raw(s.substr(shared));
            prev = s;
        }
    }

    void WriteTemplate(ByteWriter& w, const Template& t) {
        w.U64(t.segments.size());
        for (const auto& seg : t.segments) {
            w.Byte(static_cast<std::uint8_t>(seg.kind));
            w.U64(Index(seg.text));
            if (seg.kind == Segment::Kind::kRandom) {
                w.I64(seg.a);
                w.I64(seg.b);
            } else if (seg.kind == Segment::Kind::kValue) {
                w.U64(static_cast<std::uint64_t>(seg.a));  // the slot
                w.Byte(static_cast<std::uint8_t>(seg.b));  // the ValueEncoding
            } else if (seg.kind == Segment::Kind::kData) {
                w.U64(static_cast<std::uint64_t>(seg.a));  // the feed
                w.Byte(static_cast<std::uint8_t>(seg.b));  // the ValueEncoding
                w.U64(seg.column);
                w.U64(seg.draw);
            }
        }
    }

    void WriteRequest(ByteWriter& w, const PlannedRequest& r, const PlannedRequest* base, std::uint64_t distance) {
        std::uint8_t mask = kFieldAll;
        if (base != nullptr) {
            mask = 0;
            if (r.method != base->method || r.method_token != base->method_token) mask |= kFieldMethod;
            if (r.url != base->url) mask |= kFieldUrl;
            if (r.headers != base->headers) mask |= kFieldHeaders;
            if (r.body != base->body) mask |= kFieldBody;
            if (r.name != base->name) mask |= kFieldName;
            if (r.expect != base->expect) mask |= kFieldExpect;
            if (r.timeout_ns != base->timeout_ns) mask |= kFieldTimeout;
        }
        w.U64(base != nullptr ? distance : 0);
        w.Byte(mask);
        if (mask & kFieldMethod) {
            w.Byte(static_cast<std::uint8_t>(r.method));
            if (r.method == http::Method::kOther) w.U64(Index(r.method_token));  // format 5
        }
        if (mask & kFieldUrl) WriteTemplate(w, r.url);
        if (mask & kFieldHeaders) {
            bool same_names = base != nullptr && base->headers.size() == r.headers.size();
            for (size_t i = 0; same_names && i < r.headers.size(); ++i) {
                same_names = base->headers[i].first == r.headers[i].first;
            }
            if (same_names) {
                w.Byte(kHeadersValuesOnly);
                for (size_t i = 0; i < r.headers.size(); ++i) {
                    const bool changed = r.headers[i].second != base->headers[i].second;
                    w.Byte(changed ? 1 : 0);
                    if (changed) WriteTemplate(w, r.headers[i].second);
                }
            } else {
                w.Byte(kHeadersFull);
                w.U64(r.headers.size());
                for (const auto& [name, value] : r.headers) {
                    w.U64(Index(name));
                    WriteTemplate(w, value);
                }
            }
        }
        if (mask & kFieldBody) WriteTemplate(w, r.body);
        if (mask & kFieldName) w.U64(Index(r.name));
        if (mask & kFieldExpect) {
            w.U64(r.expect.size());
            for (const auto& [lo, hi] : r.expect) {
                w.I64(lo);
                w.I64(hi);
            }
        }
        if (mask & kFieldTimeout) w.I64(r.timeout_ns);
        w.U64(static_cast<std::uint64_t>(r.max_redirects));  // format 5: always, at the end of the record
        w.U64(Index(r.group));                               // format 5: always, after the redirect limit
        // format 6 (tags): the request's canonical tags, last in the record (complete or based on another)
        w.U64(Index(r.tags));
    }

    void WriteScenario(ByteWriter& w, const ScenarioPlan& s, const ScenarioKeep& keep) {
        w.U64(Index(s.name));
        const LoadShape& l = s.load;
        w.Byte(l.open_model ? 1 : 0);
        w.F64(l.start_rps);
        w.U64(l.stages.size());
        for (const auto& st : l.stages) {
            w.I64(st.duration_ns);
            w.F64(st.target_rps);
        }
        w.I64(l.vusers);
        w.I64(l.duration_ns);
        w.I64(l.ramp_up_ns);
        w.I64(l.think_min_ns);
        w.I64(l.think_max_ns);
        w.I64(l.max_wait_ns);

        w.U64(s.tasks.size());
        for (const auto& t : s.tasks) {
            w.U64(Index(t.name));
            w.F64(t.weight);
            w.Byte(static_cast<std::uint8_t>(t.on_extract_error));
        }

        // A slice writes only the requests its virtual users use, numbered 0, 1, ... in their original order.
        w.U64(keep.kept.size());
        std::unordered_map<std::string_view, size_t> last_by_name;  // by new index
        for (size_t i = 0; i < keep.kept.size(); ++i) {
            const PlannedRequest& r = s.requests[keep.kept[i]];
            auto it = last_by_name.find(r.name);
            if (it == last_by_name.end()) {
                WriteRequest(w, r, nullptr, 0);
                last_by_name.emplace(r.name, i);
            } else {
                WriteRequest(w, r, &s.requests[keep.kept[it->second]], i - it->second);
                it->second = i;
            }
        }

        // Steps are written as differences from the same step of the previous virtual user:
        // consecutive VUs' request indexes usually move in lockstep.
        w.U64(keep.vusers.size());
        std::vector<std::vector<std::int64_t>> prev;
        std::int64_t prev_id = 0;
        for (const std::size_t position : keep.vusers) {
            const VuPlan& vu = s.vusers[position];
            w.I64(static_cast<std::int64_t>(vu.id) - prev_id);
            prev_id = vu.id;
            w.U64(vu.task_steps.size());
            if (prev.size() < vu.task_steps.size()) prev.resize(vu.task_steps.size());
            for (size_t t = 0; t < vu.task_steps.size(); ++t) {
                const auto& steps = vu.task_steps[t];
                auto& p = prev[t];
                if (p.size() < steps.size()) p.resize(steps.size(), 0);
                w.U64(steps.size());
                for (size_t k = 0; k < steps.size(); ++k) {
                    const Step& st = steps[k];
                    if (st.metric) {  // format 6: a pause's tag with a negative zigzag (bits 11), never a pause
                        WriteMetricStep(w, st.sample);
                    } else if (st.pause) {
                        w.U64((ZigZagEncode(st.pause_ns) << 1) | 1);
                    } else {
                        // (a step of a kept VU always has its request kept; a bad index stays bad: the decoder says so)
                        const auto req = static_cast<std::int64_t>(
                            st.request < keep.index.size() ? keep.index[st.request] : st.request);
                        w.U64(ZigZagEncode(req - p[k]) << 1);
                        p[k] = req;
                        w.U64(st.extract.size());
                        for (const Extraction& x : st.extract) {
                            w.Byte(static_cast<std::uint8_t>(x.source));
                            w.U64(Index(x.key));
                            w.U64(Index(x.pattern));
                            w.Byte(x.number ? 1 : 0);
                            w.U64(x.slot);
                        }
                    }
                }
            }
        }
        w.U64(Index(s.setup_data));  // format 5
        // ---- format 6: the scenario's client certificate and response-header limit (issue 15, second part)
        w.U64(Index(s.client_cert_pem));
        w.U64(Index(s.client_key_pem));
        w.U64(s.max_header_bytes);
        // ---- format 6: custom metrics (the metric table; the steps are written with the other steps) ----
        w.U64(s.metrics.size());
        for (const PlannedMetric& m : s.metrics) {
            w.U64(Index(m.name));
            w.Byte(static_cast<std::uint8_t>(m.kind));
            w.Byte(m.replayable ? 1 : 0);
        }
    }

    // format 6: varint (metric << 2) | 3, a flags byte (1: set, 2: from_value), then the slot (varint) or the
    // constant (f64).
    static void WriteMetricStep(ByteWriter& w, const MetricSample& m) {
        w.U64((static_cast<std::uint64_t>(m.metric) << 2) | 3);
        w.Byte(static_cast<std::uint8_t>((m.set ? 1 : 0) | (m.from_value ? 2 : 0)));
        if (m.from_value) {
            w.U64(m.slot);
        } else {
            w.F64(m.value);
        }
    }

    const Plan& plan_;
    std::vector<ScenarioKeep> keep_;
    std::map<std::string_view, std::uint32_t> strings_;
};

// ---------------------------------------------------------------- decoding

class Decoder {
public:
    Decoder(std::string_view body, const DecodeLimits& limits) : r_(body), limits_(limits) {}

    bool Run(PlanSink& sink) {
        sink_ = &sink;
        if (!ReadStringTable()) return false;
        const std::uint32_t version = r_.U32("bad plan version");
        if (!Ok()) return false;
        std::string cluster_id;
        std::string run_id;
        if (!String(&cluster_id) || !String(&run_id)) return false;
        std::uint64_t n;
        if (!Count(&n, limits_.max_scenarios, "scenarios")) return false;
        if (!Sunk(sink.Header(version, std::move(cluster_id), std::move(run_id), n, &sink_error_))) return false;
        for (std::uint64_t i = 0; i < n; ++i) {
            if (!ReadScenario()) return false;
        }
        std::vector<DataFeed> feeds;
        if (!ReadFeeds(&feeds)) return false;
        if (!r_.AtEnd()) return Fail("trailing bytes after the plan");
        return Sunk(sink.Feeds(feeds, &sink_error_));
    }

    const std::string& error() const { return error_; }

private:
    bool Fail(std::string why) {
        if (error_.empty()) error_ = std::move(why);
        return false;
    }
    // A sink's answer: false stops the decoding with its reason.
    bool Sunk(bool ok) { return ok || Fail(sink_error_.empty() ? std::string("refused by its consumer") : sink_error_); }
    // The reader latches the first field that failed; its name is the reason.
    bool Ok() { return r_.ok() || Fail(r_.error()); }
    // Every element takes at least one byte, so a count larger than what is left is garbage:
    // this also bounds every allocation by the input size.
    bool Count(std::uint64_t* n, std::size_t limit, const char* what) {
        *n = r_.U64("count");
        if (!r_.ok()) return Fail(std::string("truncated ") + what + " count");
        if (*n > limit) return Fail(std::string("too many ") + what + " (" + std::to_string(*n) + ")");
        if (*n > r_.remaining()) return Fail(std::string("truncated ") + what);
        return true;
    }
    bool Charge(std::size_t bytes) {
        decoded_bytes_ += bytes;
        if (decoded_bytes_ > limits_.max_decoded_string_bytes) return Fail("plan strings exceed the decode limit");
        return true;
    }

    bool ReadStringTable() {
        std::uint64_t n;
        if (!Count(&n, limits_.max_strings, "strings")) return false;
        // Grow as entries arrive (never trust the count for a big allocation up front).
        strings_.clear();
        strings_.reserve(std::min<std::uint64_t>(n, 1u << 16));
        std::size_t total = 0;
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::uint64_t shared = r_.U64("truncated string table");
            const std::uint64_t rest = r_.U64("truncated string table");
            if (!Ok()) return false;
            const std::string_view prev = i > 0 ? std::string_view(strings_[i - 1]) : std::string_view();
            if (shared > prev.size()) return Fail("bad string table prefix");
            if (shared + rest > limits_.max_string_bytes) return Fail("string longer than the limit");
            const std::string_view tail = r_.Raw(rest, "truncated string table");
            if (!Ok()) return false;
            total += shared + rest;
            if (total > limits_.max_decoded_string_bytes) return Fail("string table exceeds the decode limit");
            std::string s;
            s.reserve(shared + rest);
            s.assign(prev.substr(0, shared));
            s.append(tail);
            strings_.push_back(std::move(s));
        }
        return true;
    }

    bool String(std::string* out) {
        const std::uint64_t i = r_.U64("truncated string reference");
        if (!Ok()) return false;
        if (i >= strings_.size()) return Fail("string reference out of range");
        if (!Charge(strings_[i].size())) return false;
        *out = strings_[i];
        return true;
    }

    bool ReadTemplate(Template* t, std::size_t* bytes) {
        std::uint64_t n;
        if (!Count(&n, limits_.max_segments, "template segments")) return false;
        t->segments.clear();
        t->segments.resize(n);
        for (auto& seg : t->segments) {
            const std::uint8_t kind = r_.Byte("truncated template");
            if (!Ok()) return false;
            if (kind >= static_cast<std::uint8_t>(Segment::Kind::kCount)) return Fail("unknown template segment kind");
            seg.kind = static_cast<Segment::Kind>(kind);
            if (!String(&seg.text)) return false;
            *bytes += seg.text.size();
            if (seg.kind == Segment::Kind::kRandom) {
                seg.a = r_.I64("truncated random range");
                seg.b = r_.I64("truncated random range");
                if (!Ok()) return false;
            } else if (seg.kind == Segment::Kind::kValue) {
                const std::uint64_t slot = r_.U64("truncated value placeholder");
                const std::uint8_t encoding = r_.Byte("truncated value placeholder");
                if (!Ok()) return false;
                if (slot >= limits_.max_slots) return Fail("value slot " + std::to_string(slot) + " beyond the limit");
                if (encoding >= static_cast<std::uint8_t>(ValueEncoding::kCount)) return Fail("unknown value encoding");
                seg.a = static_cast<std::int64_t>(slot);
                seg.b = encoding;
            } else if (seg.kind == Segment::Kind::kData) {
                const std::uint64_t feed = r_.U64("truncated data placeholder");
                const std::uint8_t encoding = r_.Byte("truncated data placeholder");
                const std::uint64_t column = r_.U64("truncated data placeholder");
                const std::uint64_t draw = r_.U64("truncated data placeholder");
                if (!Ok()) return false;
                if (feed >= limits_.max_feeds || column >= limits_.max_columns || draw >= limits_.max_draws) {
                    return Fail("data placeholder beyond the limits (feed " + std::to_string(feed) + ", column " +
                                std::to_string(column) + ", draw " + std::to_string(draw) + ")");
                }
                if (encoding >= static_cast<std::uint8_t>(ValueEncoding::kCount)) return Fail("unknown value encoding");
                seg.a = static_cast<std::int64_t>(feed);
                seg.b = encoding;
                seg.column = static_cast<std::uint32_t>(column);
                seg.draw = static_cast<std::uint32_t>(draw);
            }
        }
        return true;
    }

    bool ReadFeeds(std::vector<DataFeed>* feeds) {
        std::uint64_t n;
        if (!Count(&n, limits_.max_feeds, "data feeds")) return false;
        feeds->clear();
        feeds->resize(n);
        for (DataFeed& f : *feeds) {
            r_.Str("truncated data feed", limits_.max_string_bytes, &f.name);
            const std::uint8_t mode = r_.Byte("truncated data feed");
            const std::uint8_t on_exhausted = r_.Byte("truncated data feed");
            f.options.seed = r_.U64("truncated data feed");
            f.first_row = r_.U64("truncated data feed");
            f.total_rows = r_.U64("truncated data feed");
            if (!Ok() || !Charge(f.name.size())) return false;
            if (mode >= static_cast<std::uint8_t>(data::AccessMode::kCount)) return Fail("unknown data access mode");
            if (on_exhausted >= static_cast<std::uint8_t>(data::OnExhausted::kCount)) return Fail("unknown on_exhausted");
            f.options.mode = static_cast<data::AccessMode>(mode);
            f.options.on_exhausted = static_cast<data::OnExhausted>(on_exhausted);
            std::uint64_t columns;
            if (!Count(&columns, limits_.max_columns, "data columns")) return false;
            std::vector<std::string> names(columns);
            for (auto& c : names) {
                r_.Str("truncated data columns", limits_.max_string_bytes, &c);
                if (!Ok() || !Charge(c.size())) return false;
            }
            std::uint64_t rows;
            if (!Count(&rows, limits_.max_rows, "data rows")) return false;
            if (columns == 0 && rows != 0) return Fail("data rows without columns");
            const std::uint64_t cells = rows * columns;
            if (cells > r_.remaining()) return Fail("truncated data rows");  // each cell takes at least 2 bytes
            std::vector<std::string> text(cells);
            std::vector<data::CellKind> kinds(cells);
            for (std::uint64_t i = 0; i < cells; ++i) {
                const std::uint8_t kind = r_.Byte("truncated data rows");
                r_.Str("truncated data rows", limits_.max_string_bytes, &text[i]);
                if (!Ok() || !Charge(text[i].size())) return false;
                if (kind >= static_cast<std::uint8_t>(data::CellKind::kCount)) return Fail("unknown data cell kind");
                kinds[i] = static_cast<data::CellKind>(kind);
            }
            if (!data::DataTable::FromRaw(std::move(names), std::move(text), std::move(kinds), &f.table)) {
                return Fail("data rows do not match their columns");
            }
        }
        return true;
    }

    // Request `index` into r. A based record (distance > 0) starts from the latest earlier request of its name, the
    // only base the encoder uses: the decoder keeps just those (latest_), so bases cost O(distinct names).
    bool ReadRequest(PlannedRequest& r, size_t index) {
        const std::uint64_t distance = r_.U64("truncated request");
        const std::uint8_t mask = r_.Byte("truncated request");
        if (!Ok()) return false;
        if (mask & ~kFieldAll) return Fail("bad request field mask");
        const PlannedRequest* base = nullptr;
        std::size_t bytes = 0;
        if (distance > 0) {
            if (distance > index) return Fail("request base out of range");
            const auto at = latest_at_.find(index - distance);
            if (at == latest_at_.end()) return Fail("request base is not the latest earlier request of its name");
            base = &at->second->request;
            bytes = at->second->bytes;
            if (!Charge(bytes)) return false;
            r = *base;
        } else if (mask != kFieldAll) {
            return Fail("request without a base must carry every field");
        } else {
            r = PlannedRequest{};
        }
        if (mask & kFieldMethod) {
            const std::uint8_t m = r_.Byte("truncated request");
            if (!Ok()) return false;
            if (m >= static_cast<std::uint8_t>(http::Method::kCount)) return Fail("unknown HTTP method");
            r.method = static_cast<http::Method>(m);
            r.method_token.clear();
            if (r.method == http::Method::kOther) {  // format 5: the token follows
                if (!String(&r.method_token)) return false;
                bytes += r.method_token.size();
            }
        }
        if ((mask & kFieldUrl) && !ReadTemplate(&r.url, &bytes)) return false;
        if (mask & kFieldHeaders) {
            const std::uint8_t mode = r_.Byte("truncated headers");
            if (!Ok()) return false;
            if (mode == kHeadersValuesOnly) {
                if (base == nullptr) return Fail("header values without a base request");
                for (auto& h : r.headers) {
                    const bool changed = r_.Bool("bad header change flag");
                    if (!Ok()) return false;
                    if (changed && !ReadTemplate(&h.second, &bytes)) return false;
                }
            } else if (mode == kHeadersFull) {
                std::uint64_t n;
                if (!Count(&n, limits_.max_headers, "headers")) return false;
                r.headers.clear();
                r.headers.resize(n);
                for (auto& h : r.headers) {
                    if (!String(&h.first) || !ReadTemplate(&h.second, &bytes)) return false;
                    bytes += h.first.size();
                }
            } else {
                return Fail("bad header list mode");
            }
        }
        if ((mask & kFieldBody) && !ReadTemplate(&r.body, &bytes)) return false;
        if (mask & kFieldName) {
            if (!String(&r.name)) return false;
            if (base != nullptr && r.name != base->name) return Fail("a request record changes the name of its base");
            bytes += r.name.size();
        }
        if (mask & kFieldExpect) {
            std::uint64_t n;
            if (!Count(&n, 1024, "expect ranges")) return false;
            r.expect.resize(n);
            for (auto& [lo, hi] : r.expect) {
                const std::int64_t a = r_.I64("truncated expect range");
                const std::int64_t b = r_.I64("truncated expect range");
                if (!Ok()) return false;
                if (a < -1000000 || a > 1000000 || b < -1000000 || b > 1000000) return Fail("bad expect range");
                lo = static_cast<int>(a);
                hi = static_cast<int>(b);
            }
        }
        if (mask & kFieldTimeout) {
            r.timeout_ns = r_.I64("truncated request timeout");
            if (!Ok()) return false;
        }
        const std::uint64_t redirects = r_.U64("truncated redirect limit");
        if (!Ok()) return false;
        if (redirects > static_cast<std::uint64_t>(http::kMaxRedirectsLimit)) return Fail("bad redirect limit");
        r.max_redirects = static_cast<int>(redirects);
        if (!String(&r.group)) return false;
        bytes += r.group.size();
        // What a later request based on this one will copy (its base's bytes were charged above).
        std::size_t total = r.name.size() + r.group.size();
        auto add = [&total](const Template& t) {
            for (const auto& seg : t.segments) total += seg.text.size();
        };
        add(r.url);
        add(r.body);
        for (const auto& h : r.headers) {
            total += h.first.size();
            add(h.second);
        }
        // format 6 (tags): the request's canonical tags, last in the record (complete or based on another)
        if (!String(&r.tags)) return false;
        total += r.tags.size();
        // The latest request of its name: the only base a later record may use.
        Latest& latest = latest_[r.name];
        if (latest.bytes != kNoRequest) latest_at_.erase(latest.index);
        latest.index = index;
        latest.request = r;  // copy-assigned: reuses what the previous one of the name allocated
        latest.bytes = total;
        latest_at_[index] = &latest;
        return true;
    }

    bool ReadExtractions(std::vector<Extraction>* list) {
        std::uint64_t n;
        if (!Count(&n, limits_.max_extractions, "extractions")) return false;
        list->resize(n);
        for (Extraction& x : *list) {
            const std::uint8_t source = r_.Byte("truncated extraction");
            if (!Ok()) return false;
            if (source >= static_cast<std::uint8_t>(Extraction::Source::kCount)) return Fail("unknown extraction source");
            x.source = static_cast<Extraction::Source>(source);
            if (!String(&x.key) || !String(&x.pattern)) return false;
            x.number = r_.Bool("bad extraction number flag");
            const std::uint64_t slot = r_.U64("truncated extraction");
            if (!Ok()) return false;
            if (slot >= limits_.max_slots) return Fail("value slot " + std::to_string(slot) + " beyond the limit");
            x.slot = static_cast<std::uint32_t>(slot);
        }
        return true;
    }

    bool ReadScenario() {
        ScenarioPlan header;  // name, load and tasks; the trailer (setup data...) after the virtual users
        ScenarioPlan* s = &header;
        if (!String(&s->name)) return false;
        LoadShape& l = s->load;
        l.open_model = r_.Bool("bad load model");
        l.start_rps = r_.F64("truncated load shape");
        if (!Ok()) return false;
        std::uint64_t n;
        if (!Count(&n, 100000, "stages")) return false;
        l.stages.resize(n);
        for (auto& st : l.stages) {
            st.duration_ns = r_.I64("truncated stage");
            st.target_rps = r_.F64("truncated stage");
        }
        const std::int64_t vusers = r_.I64("truncated load shape");
        l.duration_ns = r_.I64("truncated load shape");
        l.ramp_up_ns = r_.I64("truncated load shape");
        l.think_min_ns = r_.I64("truncated load shape");
        l.think_max_ns = r_.I64("truncated load shape");
        l.max_wait_ns = r_.I64("truncated load shape");
        if (!Ok()) return false;
        if (l.max_wait_ns < 0) return Fail("negative max_wait");
        if (vusers < 0 || static_cast<std::uint64_t>(vusers) > limits_.max_vusers) return Fail("bad virtual user count");
        l.vusers = static_cast<int>(vusers);

        if (!Count(&n, limits_.max_tasks, "tasks")) return false;
        s->tasks.resize(n);
        for (auto& t : s->tasks) {
            if (!String(&t.name)) return false;
            t.weight = r_.F64("truncated task");
            const std::uint8_t on_error = r_.Byte("truncated task");
            if (!Ok()) return false;
            if (on_error >= static_cast<std::uint8_t>(OnExtractError::kCount)) return Fail("unknown on_extract_error");
            t.on_extract_error = static_cast<OnExtractError>(on_error);
        }

        if (!Sunk(sink_->BeginScenario(header, &sink_error_))) return false;

        if (!Count(&n, limits_.max_requests, "requests")) return false;
        const std::uint64_t requests = n;
        sink_->ExpectRequests(std::min<std::uint64_t>(n, r_.remaining() / kMinRequestRecordBytes));
        latest_.clear();
        latest_at_.clear();
        {
            PlannedRequest r;
            for (size_t i = 0; i < requests; ++i) {
                if (!ReadRequest(r, i) || !Sunk(sink_->Request(i, r, &sink_error_))) return false;
            }
        }
        latest_.clear();
        latest_at_.clear();

        if (!Count(&n, limits_.max_vusers, "virtual users")) return false;
        // A virtual user takes at least its id, its step-list count and one count per task.
        sink_->ExpectVusers(std::min<std::uint64_t>(n, r_.remaining() / (2 + header.tasks.size())));
        std::vector<std::vector<std::int64_t>> prev;
        std::int64_t prev_id = 0;
        VuPlan vu;
        for (std::uint64_t u = 0; u < n; ++u) {
            const std::int64_t delta = r_.I64("truncated virtual user");
            if (!Ok()) return false;
            const std::int64_t id = prev_id + delta;
            if (delta < -(std::int64_t{1} << 40) || delta > (std::int64_t{1} << 40) || id < INT_MIN || id > INT_MAX) {
                return Fail("bad virtual user id");
            }
            vu.id = static_cast<int>(id);
            prev_id = id;
            std::uint64_t tasks;
            if (!Count(&tasks, limits_.max_tasks, "task step lists")) return false;
            vu.task_steps.resize(tasks);
            if (prev.size() < tasks) prev.resize(tasks);
            for (size_t t = 0; t < tasks; ++t) {
                std::uint64_t steps;
                if (!Count(&steps, limits_.max_steps, "steps")) return false;
                auto& list = vu.task_steps[t];
                list.resize(steps);
                auto& p = prev[t];
                if (p.size() < steps) p.resize(steps, 0);
                for (size_t k = 0; k < steps; ++k) {
                    const std::uint64_t v = r_.U64("truncated step");
                    if (!Ok()) return false;
                    Step& st = list[k];  // reused from the previous virtual user: every field is set here
                    st.pause = false;
                    st.pause_ns = 0;
                    st.request = 0;
                    st.metric = false;
                    st.sample = MetricSample{};
                    st.extract.clear();
                    if ((v & 3) == 3) {  // format 6: a metric step
                        if (!ReadMetricStep(v, &st)) return false;
                    } else if (v & 1) {
                        st.pause = true;
                        st.pause_ns = ZigZagDecode(v >> 1);
                    } else {
                        const std::int64_t d = ZigZagDecode(v >> 1);
                        const std::int64_t req = p[k] + d;
                        if (d < -(std::int64_t{1} << 40) || d > (std::int64_t{1} << 40) || req < 0 ||
                            static_cast<std::uint64_t>(req) >= requests) {
                            return Fail("step refers to a request that does not exist");
                        }
                        st.request = static_cast<std::uint32_t>(req);
                        p[k] = req;
                        if (!ReadExtractions(&st.extract)) return false;
                    }
                }
            }
            if (!Sunk(sink_->Vuser(vu, &sink_error_))) return false;
        }
        if (!String(&s->setup_data)) return false;  // format 5
        // ---- format 6: the scenario's client certificate and response-header limit (issue 15, second part)
        if (!String(&s->client_cert_pem) || !String(&s->client_key_pem)) return false;
        s->max_header_bytes = r_.U64("truncated scenario header limit");
        if (!Ok()) return false;
        // ---- format 6: custom metrics ----
        if (!Count(&n, metrics::kMaxCustomMetrics, "custom metrics")) return false;
        s->metrics.resize(n);
        for (PlannedMetric& m : s->metrics) {
            if (!String(&m.name)) return false;
            const std::uint8_t kind = r_.Byte("truncated metric");
            const std::uint8_t replayable = r_.Byte("truncated metric");
            if (!Ok()) return false;
            if (kind < static_cast<std::uint8_t>(metrics::CustomMetricKind::kCounter) ||
                kind > static_cast<std::uint8_t>(metrics::CustomMetricKind::kTrend)) {
                return Fail("unknown metric kind");
            }
            if (replayable > 1) return Fail("bad metric flag");
            m.kind = static_cast<metrics::CustomMetricKind>(kind);
            m.replayable = replayable == 1;
        }
        return Sunk(sink_->EndScenario(header, &sink_error_));
    }

    bool ReadMetricStep(std::uint64_t v, Step* st) {
        if ((v >> 2) >= metrics::kMaxCustomMetrics) return Fail("metric step refers to a metric that does not exist");
        st->metric = true;
        st->sample.metric = static_cast<std::uint32_t>(v >> 2);
        const std::uint8_t flags = r_.Byte("truncated metric step");
        if (!Ok()) return false;
        if (flags > 3) return Fail("bad metric step flags");
        st->sample.set = (flags & 1) != 0;
        st->sample.from_value = (flags & 2) != 0;
        if (st->sample.from_value) {
            const std::uint64_t slot = r_.U64("truncated metric step");
            if (!Ok()) return false;
            if (slot >= limits_.max_slots) return Fail("metric step slot out of range");
            st->sample.slot = static_cast<std::uint32_t>(slot);
        } else {
            st->sample.value = r_.F64("truncated metric step");
            if (!Ok()) return false;
        }
        return true;
    }

    // The shortest request record: a base distance, the field mask, the redirect limit, the group and the tags.
    static constexpr std::uint64_t kMinRequestRecordBytes = 5;
    static constexpr std::size_t kNoRequest = SIZE_MAX;
    struct Latest {
        std::size_t index = 0;
        PlannedRequest request;
        std::size_t bytes = kNoRequest;  ///< the string bytes a record based on it copies (charged again)
    };

    ByteReader r_;
    const DecodeLimits& limits_;
    PlanSink* sink_ = nullptr;
    std::string sink_error_;
    std::vector<std::string> strings_;
    std::unordered_map<std::string, Latest> latest_;           // by name (node-based: stable addresses)
    std::unordered_map<std::size_t, Latest*> latest_at_;       // by request index, the latest ones only
    std::size_t decoded_bytes_ = 0;
    std::string error_;
};

// DecodePlan's sink: everything into a Plan, as it comes.
class CollectSink final : public PlanSink {
public:
    explicit CollectSink(Plan* out) : out_(out) {}
    bool Header(std::uint32_t version, std::string&& cluster_id, std::string&& run_id, std::size_t scenarios,
              std::string*) override {
        out_->version = version;
        out_->cluster_id = std::move(cluster_id);
        out_->run_id = std::move(run_id);
        out_->scenarios.clear();
        out_->scenarios.reserve(scenarios);
        return true;
    }
    bool BeginScenario(const ScenarioPlan& header, std::string*) override {
        out_->scenarios.push_back(header);
        return true;
    }
    // Grow as requests arrive (never trust the count for a big allocation up front).
    void ExpectRequests(std::size_t n) override { Current().requests.reserve(std::min<std::size_t>(n, 1u << 12)); }
    bool Request(std::size_t, PlannedRequest& r, std::string*) override {
        Current().requests.push_back(std::move(r));
        return true;
    }
    void ExpectVusers(std::size_t n) override { Current().vusers.reserve(n); }
    bool Vuser(VuPlan& vu, std::string*) override {
        Current().vusers.push_back(std::move(vu));
        return true;
    }
    bool EndScenario(ScenarioPlan& header, std::string*) override {
        ScenarioPlan& s = Current();
        s.setup_data = std::move(header.setup_data);
        s.client_cert_pem = std::move(header.client_cert_pem);
        s.client_key_pem = std::move(header.client_key_pem);
        s.max_header_bytes = header.max_header_bytes;
        s.metrics = std::move(header.metrics);
        return true;
    }
    bool Feeds(std::vector<DataFeed>& feeds, std::string*) override {
        out_->feeds = std::move(feeds);
        return true;
    }

private:
    ScenarioPlan& Current() { return out_->scenarios.back(); }
    Plan* out_;
};

}  // namespace

std::string EncodePlan(const Plan& plan) { return Encoder(plan).Run(); }

std::string EncodePlanSlice(const Plan& plan, const VuPositions& keep) { return Encoder(plan, &keep).Run(); }

std::string ReplaceFeeds(std::string_view encoded, const std::vector<DataFeed>& feeds) {
    if (encoded.empty() || encoded.back() != '\0') {
        throw std::invalid_argument("ReplaceFeeds: the plan was encoded with data feeds");
    }
    std::string out(encoded.substr(0, encoded.size() - 1));
    ByteWriter w(&out);
    WriteFeeds(w, feeds);
    return out;
}

bool DecodePlanStream(std::string_view bytes, PlanSink& sink, std::string* error, const DecodeLimits& limits) {
    auto fail = [&](std::string why) {
        if (error != nullptr) *error = "invalid plan: " + why;
        return false;
    };
    if (bytes.size() > limits.max_bytes) return fail("larger than " + std::to_string(limits.max_bytes) + " bytes");
    if (bytes.size() < kMagic.size() + 1 || bytes.substr(0, kMagic.size()) != kMagic) {
        return fail("not an lsengine plan (bad magic)");
    }
    // No checksum here: the plan travels only inside an Assignment or its PlanChunks, whose
    // plan_checksum (FNV-1a 64 of these bytes) the agent verifies before decoding.
    std::string_view body = bytes.substr(kMagic.size());
    ByteReader header(&body);  // consumes the version from body
    const std::uint64_t format = header.U64("format version");
    if (!header.ok()) return fail("truncated header");
    if (format != kPlanFormatVersion) {
        return fail("format version " + std::to_string(format) + " (this build reads version " +
                    std::to_string(kPlanFormatVersion) + ")");
    }
    Decoder d(body, limits);
    if (!d.Run(sink)) return fail(d.error());
    return true;
}

bool DecodePlan(std::string_view bytes, Plan* out, std::string* error, const DecodeLimits& limits) {
    CollectSink sink(out);
    if (!DecodePlanStream(bytes, sink, error, limits)) return false;
    auto fail = [&](std::string why) {
        if (error != nullptr) *error = "invalid plan: " + why;
        return false;
    };
    for (const auto& s : out->scenarios) {
        std::string why;
        if (!CheckScenarioPlan(s, &why)) return fail(why);
    }
    if (std::string why; !CheckPlanFeeds(*out, &why)) return fail(why);
    return true;
}

}  // namespace lse::plan
