#include "lse/plan/plan_codec.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <unordered_map>

#include "byte_io.hpp"

namespace lse::plan {
namespace {

using detail::ByteReader;
using detail::ByteWriter;

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

// ---------------------------------------------------------------- encoding

class Encoder {
public:
    explicit Encoder(const Plan& plan) : plan_(plan) {}

    std::string Run() {
        CollectStrings();
        std::string out;
        ByteWriter w(&out);
        w.Raw(kMagic);
        w.U(kPlanFormatVersion);
        WriteStringTable(w);
        w.U(plan_.version);
        w.U(Index(plan_.cluster_id));
        w.U(Index(plan_.run_id));
        w.U(plan_.scenarios.size());
        for (const auto& s : plan_.scenarios) WriteScenario(w, s);
        w.Fixed64(detail::Fnv1a64(out));
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
        for (const auto& s : plan_.scenarios) {
            Add(s.name);
            for (const auto& t : s.tasks) Add(t.name);
            for (const auto& r : s.requests) {
                AddTemplate(r.url);
                for (const auto& [name, value] : r.headers) {
                    Add(name);
                    AddTemplate(value);
                }
                AddTemplate(r.body);
                Add(r.name);
            }
        }
        std::uint32_t i = 0;
        for (auto& [s, index] : strings_) index = i++;  // sorted order: front coding works best
    }
    std::uint32_t Index(const std::string& s) const { return strings_.at(std::string_view(s)); }

    void WriteStringTable(ByteWriter& w) {
        w.U(strings_.size());
        std::string_view prev;
        for (const auto& [s, index] : strings_) {
            size_t shared = 0;
            while (shared < prev.size() && shared < s.size() && prev[shared] == s[shared]) ++shared;
            w.U(shared);
            w.U(s.size() - shared);
            w.Raw(s.substr(shared));
            prev = s;
        }
    }

    void WriteTemplate(ByteWriter& w, const Template& t) {
        w.U(t.segments.size());
        for (const auto& seg : t.segments) {
            w.Byte(static_cast<std::uint8_t>(seg.kind));
            w.U(Index(seg.text));
            if (seg.kind == Segment::Kind::kRandom) {
                w.I(seg.a);
                w.I(seg.b);
            }
        }
    }

    void WriteRequest(ByteWriter& w, const PlannedRequest& r, const PlannedRequest* base, std::uint64_t distance) {
        std::uint8_t mask = kFieldAll;
        if (base != nullptr) {
            mask = 0;
            if (r.method != base->method) mask |= kFieldMethod;
            if (r.url != base->url) mask |= kFieldUrl;
            if (r.headers != base->headers) mask |= kFieldHeaders;
            if (r.body != base->body) mask |= kFieldBody;
            if (r.name != base->name) mask |= kFieldName;
            if (r.expect != base->expect) mask |= kFieldExpect;
            if (r.timeout_ns != base->timeout_ns) mask |= kFieldTimeout;
        }
        w.U(base != nullptr ? distance : 0);
        w.Byte(mask);
        if (mask & kFieldMethod) w.Byte(static_cast<std::uint8_t>(r.method));
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
                w.U(r.headers.size());
                for (const auto& [name, value] : r.headers) {
                    w.U(Index(name));
                    WriteTemplate(w, value);
                }
            }
        }
        if (mask & kFieldBody) WriteTemplate(w, r.body);
        if (mask & kFieldName) w.U(Index(r.name));
        if (mask & kFieldExpect) {
            w.U(r.expect.size());
            for (const auto& [lo, hi] : r.expect) {
                w.I(lo);
                w.I(hi);
            }
        }
        if (mask & kFieldTimeout) w.I(r.timeout_ns);
    }

    void WriteScenario(ByteWriter& w, const ScenarioPlan& s) {
        w.U(Index(s.name));
        const LoadShape& l = s.load;
        w.Byte(l.open_model ? 1 : 0);
        w.F64(l.start_rps);
        w.U(l.stages.size());
        for (const auto& st : l.stages) {
            w.I(st.duration_ns);
            w.F64(st.target_rps);
        }
        w.I(l.vusers);
        w.I(l.duration_ns);
        w.I(l.ramp_up_ns);
        w.I(l.think_min_ns);
        w.I(l.think_max_ns);
        w.I(l.max_wait_ns);

        w.U(s.tasks.size());
        for (const auto& t : s.tasks) {
            w.U(Index(t.name));
            w.F64(t.weight);
        }

        w.U(s.requests.size());
        std::unordered_map<std::string_view, size_t> last_by_name;
        for (size_t i = 0; i < s.requests.size(); ++i) {
            const PlannedRequest& r = s.requests[i];
            auto it = last_by_name.find(r.name);
            if (it == last_by_name.end()) {
                WriteRequest(w, r, nullptr, 0);
                last_by_name.emplace(r.name, i);
            } else {
                WriteRequest(w, r, &s.requests[it->second], i - it->second);
                it->second = i;
            }
        }

        // Steps are written as differences from the same step of the previous virtual user:
        // consecutive VUs' request indexes usually move in lockstep.
        w.U(s.vusers.size());
        std::vector<std::vector<std::int64_t>> prev;
        std::int64_t prev_id = 0;
        for (const auto& vu : s.vusers) {
            w.I(static_cast<std::int64_t>(vu.id) - prev_id);
            prev_id = vu.id;
            w.U(vu.task_steps.size());
            if (prev.size() < vu.task_steps.size()) prev.resize(vu.task_steps.size());
            for (size_t t = 0; t < vu.task_steps.size(); ++t) {
                const auto& steps = vu.task_steps[t];
                auto& p = prev[t];
                if (p.size() < steps.size()) p.resize(steps.size(), 0);
                w.U(steps.size());
                for (size_t k = 0; k < steps.size(); ++k) {
                    const Step& st = steps[k];
                    if (st.pause) {
                        w.U((detail::ZigZag(st.pause_ns) << 1) | 1);
                    } else {
                        const auto req = static_cast<std::int64_t>(st.request);
                        w.U(detail::ZigZag(req - p[k]) << 1);
                        p[k] = req;
                    }
                }
            }
        }
    }

    const Plan& plan_;
    std::map<std::string_view, std::uint32_t> strings_;
};

// ---------------------------------------------------------------- decoding

class Decoder {
public:
    Decoder(std::string_view body, const DecodeLimits& limits) : r_(body), limits_(limits) {}

    bool Run(Plan* out) {
        if (!ReadStringTable()) return false;
        std::uint64_t v;
        if (!r_.U(&v) || v > 0xffffffffu) return Fail("bad plan version");
        out->version = static_cast<std::uint32_t>(v);
        if (!String(&out->cluster_id) || !String(&out->run_id)) return false;
        std::uint64_t n;
        if (!Count(&n, limits_.max_scenarios, "scenarios")) return false;
        out->scenarios.clear();
        out->scenarios.resize(n);
        for (auto& s : out->scenarios) {
            if (!ReadScenario(&s)) return false;
        }
        if (!r_.AtEnd()) return Fail("trailing bytes after the plan");
        return true;
    }

    const std::string& error() const { return error_; }

private:
    bool Fail(std::string why) {
        if (error_.empty()) error_ = std::move(why);
        return false;
    }
    // Every element takes at least one byte, so a count larger than what is left is garbage:
    // this also bounds every allocation by the input size.
    bool Count(std::uint64_t* n, std::size_t limit, const char* what) {
        if (!r_.U(n)) return Fail(std::string("truncated ") + what + " count");
        if (*n > limit) return Fail(std::string("too many ") + what + " (" + std::to_string(*n) + ")");
        if (*n > r_.Left()) return Fail(std::string("truncated ") + what);
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
            std::uint64_t shared, rest;
            if (!r_.U(&shared) || !r_.U(&rest)) return Fail("truncated string table");
            const std::string_view prev = i > 0 ? std::string_view(strings_[i - 1]) : std::string_view();
            if (shared > prev.size()) return Fail("bad string table prefix");
            if (shared + rest > limits_.max_string_bytes) return Fail("string longer than the limit");
            std::string_view tail;
            if (!r_.Raw(rest, &tail)) return Fail("truncated string table");
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
        std::uint64_t i;
        if (!r_.U(&i)) return Fail("truncated string reference");
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
            std::uint8_t kind;
            if (!r_.Byte(&kind)) return Fail("truncated template");
            if (kind >= static_cast<std::uint8_t>(Segment::Kind::kCount)) return Fail("unknown template segment kind");
            seg.kind = static_cast<Segment::Kind>(kind);
            if (!String(&seg.text)) return false;
            *bytes += seg.text.size();
            if (seg.kind == Segment::Kind::kRandom && (!r_.I(&seg.a) || !r_.I(&seg.b))) {
                return Fail("truncated random range");
            }
        }
        return true;
    }

    bool ReadRequest(std::vector<PlannedRequest>& table, size_t index) {
        PlannedRequest& r = table[index];
        std::uint64_t distance;
        std::uint8_t mask;
        if (!r_.U(&distance) || !r_.Byte(&mask)) return Fail("truncated request");
        if (mask & ~kFieldAll) return Fail("bad request field mask");
        const PlannedRequest* base = nullptr;
        std::size_t bytes = 0;
        if (distance > 0) {
            if (distance > index) return Fail("request base out of range");
            const size_t b = index - distance;
            base = &table[b];
            bytes = request_bytes_[b];
            if (!Charge(bytes)) return false;
            r = *base;
        } else if (mask != kFieldAll) {
            return Fail("request without a base must carry every field");
        }
        if (mask & kFieldMethod) {
            std::uint8_t m;
            if (!r_.Byte(&m)) return Fail("truncated request");
            if (m >= static_cast<std::uint8_t>(http::Method::kCount)) return Fail("unknown HTTP method");
            r.method = static_cast<http::Method>(m);
        }
        if ((mask & kFieldUrl) && !ReadTemplate(&r.url, &bytes)) return false;
        if (mask & kFieldHeaders) {
            std::uint8_t mode;
            if (!r_.Byte(&mode)) return Fail("truncated headers");
            if (mode == kHeadersValuesOnly) {
                if (base == nullptr) return Fail("header values without a base request");
                for (auto& h : r.headers) {
                    std::uint8_t changed;
                    if (!r_.Byte(&changed) || changed > 1) return Fail("bad header change flag");
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
            bytes += r.name.size();
        }
        if (mask & kFieldExpect) {
            std::uint64_t n;
            if (!Count(&n, 1024, "expect ranges")) return false;
            r.expect.resize(n);
            for (auto& [lo, hi] : r.expect) {
                std::int64_t a, b;
                if (!r_.I(&a) || !r_.I(&b)) return Fail("truncated expect range");
                if (a < -1000000 || a > 1000000 || b < -1000000 || b > 1000000) return Fail("bad expect range");
                lo = static_cast<int>(a);
                hi = static_cast<int>(b);
            }
        }
        if ((mask & kFieldTimeout) && !r_.I(&r.timeout_ns)) return Fail("truncated request timeout");
        // What a later request based on this one will copy (its base's bytes were charged above).
        std::size_t total = r.name.size();
        auto add = [&total](const Template& t) {
            for (const auto& seg : t.segments) total += seg.text.size();
        };
        add(r.url);
        add(r.body);
        for (const auto& h : r.headers) {
            total += h.first.size();
            add(h.second);
        }
        request_bytes_[index] = total;
        return true;
    }

    bool ReadScenario(ScenarioPlan* s) {
        if (!String(&s->name)) return false;
        LoadShape& l = s->load;
        std::uint8_t open;
        if (!r_.Byte(&open) || open > 1) return Fail("bad load model");
        l.open_model = open == 1;
        if (!r_.F64(&l.start_rps)) return Fail("truncated load shape");
        std::uint64_t n;
        if (!Count(&n, 100000, "stages")) return false;
        l.stages.resize(n);
        for (auto& st : l.stages) {
            if (!r_.I(&st.duration_ns) || !r_.F64(&st.target_rps)) return Fail("truncated stage");
        }
        std::int64_t vusers;
        if (!r_.I(&vusers) || !r_.I(&l.duration_ns) || !r_.I(&l.ramp_up_ns) || !r_.I(&l.think_min_ns) ||
            !r_.I(&l.think_max_ns) || !r_.I(&l.max_wait_ns)) {
            return Fail("truncated load shape");
        }
        if (l.max_wait_ns < 0) return Fail("negative max_wait");
        if (vusers < 0 || static_cast<std::uint64_t>(vusers) > limits_.max_vusers) return Fail("bad virtual user count");
        l.vusers = static_cast<int>(vusers);

        if (!Count(&n, limits_.max_tasks, "tasks")) return false;
        s->tasks.resize(n);
        for (auto& t : s->tasks) {
            if (!String(&t.name) || !r_.F64(&t.weight)) return Fail("truncated task");
        }

        if (!Count(&n, limits_.max_requests, "requests")) return false;
        s->requests.clear();
        s->requests.reserve(std::min<std::uint64_t>(n, 1u << 12));
        request_bytes_.clear();
        for (size_t i = 0; i < n; ++i) {
            s->requests.emplace_back();
            request_bytes_.push_back(0);
            if (!ReadRequest(s->requests, i)) return false;
        }

        if (!Count(&n, limits_.max_vusers, "virtual users")) return false;
        s->vusers.resize(n);
        std::vector<std::vector<std::int64_t>> prev;
        std::int64_t prev_id = 0;
        for (auto& vu : s->vusers) {
            std::int64_t delta;
            if (!r_.I(&delta)) return Fail("truncated virtual user");
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
                    std::uint64_t v;
                    if (!r_.U(&v)) return Fail("truncated step");
                    Step& st = list[k];
                    if (v & 1) {
                        st.pause = true;
                        st.pause_ns = detail::UnZigZag(v >> 1);
                    } else {
                        const std::int64_t d = detail::UnZigZag(v >> 1);
                        const std::int64_t req = p[k] + d;
                        if (d < -(std::int64_t{1} << 40) || d > (std::int64_t{1} << 40) || req < 0 ||
                            static_cast<std::uint64_t>(req) >= s->requests.size()) {
                            return Fail("step refers to a request that does not exist");
                        }
                        st.request = static_cast<std::uint32_t>(req);
                        p[k] = req;
                    }
                }
            }
        }
        return true;
    }

    ByteReader r_;
    const DecodeLimits& limits_;
    std::vector<std::string> strings_;
    std::vector<std::size_t> request_bytes_;
    std::size_t decoded_bytes_ = 0;
    std::string error_;
};

}  // namespace

std::string EncodePlan(const Plan& plan) { return Encoder(plan).Run(); }

bool DecodePlan(std::string_view bytes, Plan* out, std::string* error, const DecodeLimits& limits) {
    auto fail = [&](std::string why) {
        if (error != nullptr) *error = "invalid plan: " + why;
        return false;
    };
    if (bytes.size() > limits.max_bytes) return fail("larger than " + std::to_string(limits.max_bytes) + " bytes");
    if (bytes.size() < kMagic.size() + 1 + 8 || bytes.substr(0, kMagic.size()) != kMagic) {
        return fail("not an lsengine plan (bad magic)");
    }
    const std::string_view covered = bytes.substr(0, bytes.size() - 8);
    detail::ByteReader tail(bytes.substr(bytes.size() - 8));
    std::uint64_t checksum = 0;
    tail.Fixed64(&checksum);
    if (checksum != detail::Fnv1a64(covered)) return fail("checksum mismatch (truncated or corrupted)");
    detail::ByteReader header(covered.substr(kMagic.size()));
    std::uint64_t format = 0;
    if (!header.U(&format)) return fail("truncated header");
    if (format != kPlanFormatVersion) {
        return fail("format version " + std::to_string(format) + " (this build reads version " +
                    std::to_string(kPlanFormatVersion) + ")");
    }
    const size_t header_len = covered.size() - kMagic.size() - header.Left();
    Decoder d(covered.substr(kMagic.size() + header_len), limits);
    if (!d.Run(out)) return fail(d.error());
    for (const auto& s : out->scenarios) {
        std::string why;
        if (!CheckScenarioPlan(s, &why)) return fail(why);
    }
    return true;
}

}  // namespace lse::plan
