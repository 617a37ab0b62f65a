#include "lse/metrics/snapshot.hpp"

#include <algorithm>

#include "lse/metrics/wire.hpp"

namespace lse::metrics {
namespace {
constexpr std::string_view kWhat = "snapshot";
}  // namespace

RequestStats& Snapshot::ForName(std::string_view name) {
    auto it = by_name.find(name);
    if (it == by_name.end()) it = by_name.emplace(std::string(name), RequestStats{}).first;
    return it->second;
}

void Snapshot::Reset(std::int64_t new_start_ns, std::int64_t new_end_ns) noexcept {
    start_ns = new_start_ns;
    end_ns = new_end_ns;
    total.Reset();
    for (auto& [name, stats] : by_name) stats.Reset();
    for (auto& [name, counts] : checks) counts = CheckCounts{};
    errors.clear();
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
    return *this;
}

void Snapshot::AppendTo(std::string* out) const {
    wire::AppendHeader(out, kWireTag, kWireVersion);
    wire::AppendSignedVarint(out, start_ns);
    wire::AppendSignedVarint(out, end_ns);
    total.AppendTo(out);
    wire::AppendVarint(out, by_name.size());
    for (const auto& [name, stats] : by_name) {
        wire::AppendVarint(out, name.size());
        out->append(name);
        stats.AppendTo(out);
    }
    wire::AppendVarint(out, checks.size());
    for (const auto& [name, counts] : checks) {
        wire::AppendVarint(out, name.size());
        out->append(name);
        wire::AppendVarint(out, counts.passes);
        wire::AppendVarint(out, counts.fails);
    }
    wire::AppendVarint(out, errors.size());
    for (const auto& [key, sample] : errors) {
        wire::AppendVarint(out, key.size());
        out->append(key);
        wire::AppendVarint(out, sample.count);
        wire::AppendSignedVarint(out, sample.first_seen_ns);
    }
}

bool Snapshot::Decode(std::string_view in, Snapshot* out, std::string* error) {
    if (!DecodeFrom(&in, out, error)) return false;
    if (!in.empty()) return wire::Fail(error, kWhat, "trailing bytes");
    return true;
}

bool Snapshot::DecodeFrom(std::string_view* in, Snapshot* out, std::string* error) {
    if (!wire::ReadHeader(in, kWireTag, kWireVersion, kWhat, error)) return false;
    if (!wire::ReadSignedVarint(in, &out->start_ns) || !wire::ReadSignedVarint(in, &out->end_ns)) {
        return wire::Fail(error, kWhat, "truncated interval");
    }
    if (!RequestStats::DecodeFrom(in, &out->total, error)) return false;
    std::uint64_t names = 0;
    if (!wire::ReadVarint(in, &names)) return wire::Fail(error, kWhat, "truncated name count");
    if (names > kMaxNames) return wire::Fail(error, kWhat, "too many names");

    // Walk the (sorted) existing entries alongside the (sorted) incoming names: reuse matches,
    // erase entries that are not in the input. A new node whose stats fail to decode is erased
    // again, so garbage never leaves more than the entries that did decode.
    auto it = out->by_name.begin();
    std::string_view previous;
    for (std::uint64_t i = 0; i < names; ++i) {
        std::uint64_t length = 0;
        if (!wire::ReadVarint(in, &length)) return wire::Fail(error, kWhat, "truncated name length");
        if (length == 0 || length > kMaxNameLength) return wire::Fail(error, kWhat, "bad name length");
        if (length > in->size()) return wire::Fail(error, kWhat, "truncated name");
        const std::string_view name = in->substr(0, static_cast<std::size_t>(length));
        in->remove_prefix(static_cast<std::size_t>(length));
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

    std::uint64_t check_count = 0;
    if (!wire::ReadVarint(in, &check_count)) return wire::Fail(error, kWhat, "truncated check count");
    if (check_count > kMaxNames) return wire::Fail(error, kWhat, "too many checks");
    out->checks.clear();
    std::string_view previous_check;
    for (std::uint64_t i = 0; i < check_count; ++i) {
        std::uint64_t length = 0;
        if (!wire::ReadVarint(in, &length)) return wire::Fail(error, kWhat, "truncated check name length");
        if (length == 0 || length > kMaxNameLength) return wire::Fail(error, kWhat, "bad check name length");
        if (length > in->size()) return wire::Fail(error, kWhat, "truncated check name");
        const std::string_view name = in->substr(0, static_cast<std::size_t>(length));
        in->remove_prefix(static_cast<std::size_t>(length));
        if (i > 0 && !(previous_check < name)) return wire::Fail(error, kWhat, "check names not strictly increasing");
        previous_check = name;
        CheckCounts counts;
        if (!wire::ReadVarint(in, &counts.passes) || !wire::ReadVarint(in, &counts.fails)) {
            return wire::Fail(error, kWhat, "truncated check counts");
        }
        out->checks.emplace_hint(out->checks.end(), std::string(name), counts);
    }

    std::uint64_t error_count = 0;
    if (!wire::ReadVarint(in, &error_count)) return wire::Fail(error, kWhat, "truncated error group count");
    if (error_count > kMaxErrorGroups) return wire::Fail(error, kWhat, "too many error groups");
    out->errors.clear();
    std::string_view previous_error;
    for (std::uint64_t i = 0; i < error_count; ++i) {
        std::uint64_t length = 0;
        if (!wire::ReadVarint(in, &length)) return wire::Fail(error, kWhat, "truncated error key length");
        if (length == 0 || length > kMaxErrorKeyLength) return wire::Fail(error, kWhat, "bad error key length");
        if (length > in->size()) return wire::Fail(error, kWhat, "truncated error key");
        const std::string_view key = in->substr(0, static_cast<std::size_t>(length));
        in->remove_prefix(static_cast<std::size_t>(length));
        if (i > 0 && !(previous_error < key)) return wire::Fail(error, kWhat, "error keys not strictly increasing");
        previous_error = key;
        ErrorSample sample;
        if (!wire::ReadVarint(in, &sample.count) || !wire::ReadSignedVarint(in, &sample.first_seen_ns)) {
            return wire::Fail(error, kWhat, "truncated error group");
        }
        out->errors.emplace_hint(out->errors.end(), std::string(key), sample);
    }
    return true;
}

}  // namespace lse::metrics
