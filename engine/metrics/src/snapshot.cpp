#include "lse/metrics/snapshot.hpp"

#include <algorithm>

#include "lse/core/byte_codec.hpp"
#include "lse/metrics/wire.hpp"

namespace lse::metrics {
namespace {
constexpr std::string_view kWhat = "snapshot";

// A length-prefixed name or key, non-empty and at most max_length bytes. Three reasons, so a
// refusal says which part was wrong.
std::string_view Name(ByteReader& r, std::uint64_t max_length, const char* truncated_length, const char* bad_length,
                      const char* truncated) {
    const std::uint64_t length = r.U64(truncated_length);
    if (r.ok() && (length == 0 || length > max_length)) r.Fail(bad_length);
    return r.Raw(length, truncated);
}
// The custom metrics section (version 4), after the error groups.
bool DecodeCustom(ByteReader& r, std::string_view* in, Snapshot* out, std::string* error) {
    const std::uint64_t count = r.U64("truncated custom metric count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (count > kMaxCustomMetrics) return wire::Fail(error, kWhat, "too many custom metrics");
    // Same walk as the request rows: entries whose names reappear keep their histogram pages.
    auto it = out->custom.begin();
    std::string_view previous;
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::string_view name = Name(r, kMaxCustomMetricNameLength, "truncated custom metric name length",
                                           "bad custom metric name length", "truncated custom metric name");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (!IsValidCustomMetricName(name)) return wire::Fail(error, kWhat, "bad custom metric name");
        if (i > 0 && !(previous < name)) return wire::Fail(error, kWhat, "custom metric names not strictly increasing");
        previous = name;
        while (it != out->custom.end() && std::string_view(it->first) < name) it = out->custom.erase(it);
        if (it == out->custom.end() || std::string_view(it->first) != name) {
            it = out->custom.emplace_hint(it, std::string(name), CustomMetric{});
        }
        if (!CustomMetric::DecodeFrom(in, &it->second, error)) {
            out->custom.erase(it);
            return false;
        }
        ++it;
    }
    out->custom.erase(it, out->custom.end());
    return true;
}
// The generators section (version 5), last: the load generators' own health by generator id.
bool DecodeGenerators(ByteReader& r, std::string_view* in, Snapshot* out, std::string* error) {
    const std::uint64_t count = r.U64("truncated generator count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (count > kMaxGenerators) return wire::Fail(error, kWhat, "too many generators");
    // Same walk as the custom metrics: an agent's entry keeps its lag histogram's pages from message to message.
    auto it = out->generators.begin();
    std::string_view previous;
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::string_view id = Name(r, kMaxGeneratorIdLength, "truncated generator id length",
                                         "bad generator id length", "truncated generator id");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (!IsValidGeneratorId(id)) return wire::Fail(error, kWhat, "bad generator id");
        if (i > 0 && !(previous < id)) return wire::Fail(error, kWhat, "generator ids not strictly increasing");
        previous = id;
        while (it != out->generators.end() && std::string_view(it->first) < id) it = out->generators.erase(it);
        if (it == out->generators.end() || std::string_view(it->first) != id) {
            it = out->generators.emplace_hint(it, std::string(id), GeneratorHealth{});
        }
        if (!GeneratorHealth::DecodeFrom(in, &it->second, error)) {
            out->generators.erase(it);
            return false;
        }
        ++it;
    }
    out->generators.erase(it, out->generators.end());
    return true;
}
}  // namespace

RequestStats& Snapshot::ForName(std::string_view name) {
    auto it = by_name.find(name);
    if (it == by_name.end()) it = by_name.emplace(std::string(name), RequestStats{}).first;
    return it->second;
}

CustomMetric* Snapshot::ForCustom(std::string_view name, CustomMetricKind kind) {
    auto it = custom.find(name);
    if (it != custom.end()) return &it->second;
    if (custom.size() >= kMaxCustomMetrics) return nullptr;
    return &custom.emplace(std::string(name), CustomMetric(kind)).first->second;
}

void Snapshot::Reset(std::int64_t new_start_ns, std::int64_t new_end_ns) noexcept {
    start_ns = new_start_ns;
    end_ns = new_end_ns;
    total.Reset();
    for (auto& [name, stats] : by_name) stats.Reset();
    for (auto& [name, counts] : checks) counts = CheckCounts{};
    errors.clear();
    for (auto& [name, metric] : custom) metric.Reset();
    for (auto& [id, health] : generators) health.Reset();
}

void Snapshot::AddError(std::string_view key, const ErrorSample& sample) {
    auto it = errors.find(key);
    if (it == errors.end()) {
        if (errors.size() >= kMaxErrorGroups) return;
        it = errors.emplace(std::string(key), ErrorSample{}).first;
    }
    it->second += sample;
}

Snapshot& Snapshot::operator+=(const Snapshot& other) {
    if (other.HasInterval()) {
        if (HasInterval()) {
            start_ns = std::min(start_ns, other.start_ns);
            end_ns = std::max(end_ns, other.end_ns);
        } else {
            start_ns = other.start_ns;
            end_ns = other.end_ns;
        }
    }
    total += other.total;
    for (const auto& [name, stats] : other.by_name) ForName(name) += stats;
    for (const auto& [name, counts] : other.checks) {
        auto it = checks.find(name);
        if (it == checks.end()) it = checks.emplace(name, CheckCounts{}).first;
        it->second += counts;
    }
    for (const auto& [key, sample] : other.errors) AddError(key, sample);
    for (const auto& [name, metric] : other.custom) {
        // A name beyond the bound is dropped like an error group beyond its bound: writers stop at
        // kMaxCustomMetrics long before (the Lua binding refuses the declaration).
        if (CustomMetric* mine = ForCustom(name, metric.kind)) *mine += metric;
    }
    for (const auto& [id, health] : other.generators) generators[id] += health;
    return *this;
}

void Snapshot::AppendTo(std::string* out) const {
    wire::AppendHeader(out, kWireTag, kWireVersion);
    ByteWriter w(out);
    w.I64(start_ns);
    w.I64(end_ns);
    total.AppendTo(out);
    w.U64(by_name.size());
    for (const auto& [name, stats] : by_name) {
        w.Str(name);
        stats.AppendTo(out);
    }
    w.U64(checks.size());
    for (const auto& [name, counts] : checks) {
        w.Str(name);
        w.U64(counts.passes);
        w.U64(counts.fails);
    }
    w.U64(errors.size());
    for (const auto& [key, sample] : errors) {
        w.Str(key);
        w.U64(sample.count);
        w.I64(sample.first_seen_ns);
    }
    w.U64(custom.size());
    for (const auto& [name, metric] : custom) {
        w.Str(name);
        metric.AppendTo(out);
    }
    w.U64(generators.size());
    for (const auto& [id, health] : generators) {
        w.Str(id);
        health.AppendTo(out);
    }
}

bool Snapshot::Decode(std::string_view in, Snapshot* out, std::string* error) {
    if (!DecodeFrom(&in, out, error)) return false;
    if (!in.empty()) return wire::Fail(error, kWhat, "trailing bytes");
    return true;
}

bool Snapshot::DecodeFrom(std::string_view* in, Snapshot* out, std::string* error) {
    if (!wire::ReadHeader(in, kWireTag, kWireVersion, kWhat, error)) return false;
    ByteReader r(in);  // shares *in with the nested RequestStats decoders
    out->start_ns = r.I64("truncated interval");
    out->end_ns = r.I64("truncated interval");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (!RequestStats::DecodeFrom(in, &out->total, error)) return false;
    const std::uint64_t names = r.U64("truncated name count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (names > kMaxNames) return wire::Fail(error, kWhat, "too many names");

    // Walk the (sorted) existing entries alongside the (sorted) incoming names: reuse matches,
    // erase entries that are not in the input. A new node whose stats fail to decode is erased
    // again, so garbage never leaves more than the entries that did decode.
    auto it = out->by_name.begin();
    std::string_view previous;
    for (std::uint64_t i = 0; i < names; ++i) {
        const std::string_view name = Name(r, kMaxNameLength, "truncated name length", "bad name length", "truncated name");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (i > 0 && !(previous < name)) return wire::Fail(error, kWhat, "names not strictly increasing");
        previous = name;
        while (it != out->by_name.end() && std::string_view(it->first) < name) it = out->by_name.erase(it);
        if (it == out->by_name.end() || std::string_view(it->first) != name) {
            it = out->by_name.emplace_hint(it, std::string(name), RequestStats{});
        }
        if (!RequestStats::DecodeFrom(in, &it->second, error)) {
            out->by_name.erase(it);
            return false;
        }
        ++it;
    }
    out->by_name.erase(it, out->by_name.end());

    const std::uint64_t check_count = r.U64("truncated check count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (check_count > kMaxNames) return wire::Fail(error, kWhat, "too many checks");
    out->checks.clear();
    std::string_view previous_check;
    for (std::uint64_t i = 0; i < check_count; ++i) {
        const std::string_view name =
            Name(r, kMaxNameLength, "truncated check name length", "bad check name length", "truncated check name");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (i > 0 && !(previous_check < name)) return wire::Fail(error, kWhat, "check names not strictly increasing");
        previous_check = name;
        CheckCounts counts;
        counts.passes = r.U64("truncated check counts");
        counts.fails = r.U64("truncated check counts");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        out->checks.emplace_hint(out->checks.end(), std::string(name), counts);
    }

    const std::uint64_t error_count = r.U64("truncated error group count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (error_count > kMaxErrorGroups) return wire::Fail(error, kWhat, "too many error groups");
    out->errors.clear();
    std::string_view previous_error;
    for (std::uint64_t i = 0; i < error_count; ++i) {
        const std::string_view key = Name(r, kMaxErrorKeyLength, "truncated error key length", "bad error key length",
                                          "truncated error key");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (i > 0 && !(previous_error < key)) return wire::Fail(error, kWhat, "error keys not strictly increasing");
        previous_error = key;
        ErrorSample sample;
        sample.count = r.U64("truncated error group");
        sample.first_seen_ns = r.I64("truncated error group");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        out->errors.emplace_hint(out->errors.end(), std::string(key), sample);
    }
    return DecodeCustom(r, in, out, error) && DecodeGenerators(r, in, out, error);
}

bool Snapshot::AddEncoded(std::string_view in, Snapshot* into, std::string* error, AddSummary* summary,
                          std::string_view only_generator) {
    AddSummary local;
    AddSummary& sum = summary != nullptr ? *summary : local;
    sum.rows.clear();
    sum.foreign_generators = 0;
    if (!sum.health) sum.health = std::make_unique<Snapshot>();

    if (!wire::ReadHeader(&in, kWireTag, kWireVersion, kWhat, error)) return false;
    ByteReader r(&in);  // shares `in` with the nested decoders
    sum.start_ns = r.I64("truncated interval");
    sum.end_ns = r.I64("truncated interval");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    const std::uint64_t requests_before = into->total.requests;
    if (!RequestStats::AddEncoded(&in, &into->total, error)) return false;
    sum.requests = into->total.requests - requests_before;

    const std::uint64_t names = r.U64("truncated name count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (names > kMaxNames) return wire::Fail(error, kWhat, "too many names");
    // Both sides are sorted: walk into's rows alongside (a hint for each insert, no lookup from the root).
    auto it = into->by_name.begin();
    std::string_view previous;
    for (std::uint64_t i = 0; i < names; ++i) {
        const std::string_view name = Name(r, kMaxNameLength, "truncated name length", "bad name length", "truncated name");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (i > 0 && !(previous < name)) return wire::Fail(error, kWhat, "names not strictly increasing");
        previous = name;
        while (it != into->by_name.end() && std::string_view(it->first) < name) ++it;
        if (it == into->by_name.end() || std::string_view(it->first) != name) {
            it = into->by_name.emplace_hint(it, std::string(name), RequestStats{});
        }
        RequestStats& row = it->second;
        const std::uint64_t row_requests = row.requests;
        const std::uint64_t row_dropped = row.dropped;
        if (!RequestStats::AddEncoded(&in, &row, error)) return false;
        sum.rows.push_back({name, row.requests - row_requests, row.dropped - row_dropped});
        ++it;
    }

    const std::uint64_t check_count = r.U64("truncated check count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (check_count > kMaxNames) return wire::Fail(error, kWhat, "too many checks");
    std::string_view previous_check;
    for (std::uint64_t i = 0; i < check_count; ++i) {
        const std::string_view name =
            Name(r, kMaxNameLength, "truncated check name length", "bad check name length", "truncated check name");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (i > 0 && !(previous_check < name)) return wire::Fail(error, kWhat, "check names not strictly increasing");
        previous_check = name;
        CheckCounts counts;
        counts.passes = r.U64("truncated check counts");
        counts.fails = r.U64("truncated check counts");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        auto c = into->checks.find(name);
        if (c == into->checks.end()) c = into->checks.emplace(std::string(name), CheckCounts{}).first;
        c->second += counts;
    }

    const std::uint64_t error_count = r.U64("truncated error group count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (error_count > kMaxErrorGroups) return wire::Fail(error, kWhat, "too many error groups");
    std::string_view previous_error;
    for (std::uint64_t i = 0; i < error_count; ++i) {
        const std::string_view key = Name(r, kMaxErrorKeyLength, "truncated error key length", "bad error key length",
                                          "truncated error key");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (i > 0 && !(previous_error < key)) return wire::Fail(error, kWhat, "error keys not strictly increasing");
        previous_error = key;
        ErrorSample sample;
        sample.count = r.U64("truncated error group");
        sample.first_seen_ns = r.I64("truncated error group");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        into->AddError(key, sample);
    }

    const std::uint64_t custom_count = r.U64("truncated custom metric count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (custom_count > kMaxCustomMetrics) return wire::Fail(error, kWhat, "too many custom metrics");
    std::string_view previous_custom;
    for (std::uint64_t i = 0; i < custom_count; ++i) {
        const std::string_view name = Name(r, kMaxCustomMetricNameLength, "truncated custom metric name length",
                                           "bad custom metric name length", "truncated custom metric name");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (!IsValidCustomMetricName(name)) return wire::Fail(error, kWhat, "bad custom metric name");
        if (i > 0 && !(previous_custom < name)) {
            return wire::Fail(error, kWhat, "custom metric names not strictly increasing");
        }
        previous_custom = name;
        // A new name takes the kind on the wire (its first byte; CustomMetric::AddEncoded checks it). Beyond the
        // bound it is read into a throwaway and dropped, as += drops it.
        const std::uint8_t byte = in.empty() ? 0 : static_cast<std::uint8_t>(in[0]);
        const bool known = byte >= static_cast<std::uint8_t>(CustomMetricKind::kCounter) &&
                           byte <= static_cast<std::uint8_t>(CustomMetricKind::kTrend);
        const auto kind = static_cast<CustomMetricKind>(byte);
        CustomMetric* mine = known ? into->ForCustom(name, kind) : nullptr;
        CustomMetric dropped(kind);
        if (!CustomMetric::AddEncoded(&in, mine != nullptr ? mine : &dropped, error)) return false;
    }

    // Generators: decoded whole (one small lag histogram each) for the caller, then added.
    Snapshot& health = *sum.health;
    if (!DecodeGenerators(r, &in, &health, error)) return false;
    if (!in.empty()) return wire::Fail(error, kWhat, "trailing bytes");
    for (auto g = health.generators.begin(); g != health.generators.end();) {
        if (!only_generator.empty() && g->first != only_generator) {
            ++sum.foreign_generators;
            g = health.generators.erase(g);
            continue;
        }
        into->generators[g->first] += g->second;
        ++g;
    }
    // The interval last: a message that failed above leaves into's bounds alone.
    if (sum.end_ns > sum.start_ns) {
        if (into->HasInterval()) {
            into->start_ns = std::min(into->start_ns, sum.start_ns);
            into->end_ns = std::max(into->end_ns, sum.end_ns);
        } else {
            into->start_ns = sum.start_ns;
            into->end_ns = sum.end_ns;
        }
    }
    return true;
}

}  // namespace lse::metrics
