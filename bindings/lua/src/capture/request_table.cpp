#include "request_table.hpp"

#include <functional>
#include <string_view>

namespace lse::lua::capture {
namespace {

constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;

// splitmix64's finaliser: every input bit reaches every output bit, so the low bits (the slot) are well spread.
std::uint64_t Mix(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

struct Hasher {
    std::uint64_t h = 0;
    void Add(std::uint64_t v) noexcept { h = Mix(h * kMul + v); }
    // The length goes in too: ("ab", "c") and ("a", "bc") differ.
    void Add(std::string_view s) noexcept {
        Add(static_cast<std::uint64_t>(s.size()));
        Add(static_cast<std::uint64_t>(std::hash<std::string_view>{}(s)));
    }
    void Add(const plan::Template& t) noexcept {
        Add(static_cast<std::uint64_t>(t.segments.size()));
        for (const plan::Segment& s : t.segments) {
            Add((static_cast<std::uint64_t>(s.kind) << 56) ^ (static_cast<std::uint64_t>(s.column) << 24) ^ s.draw);
            Add(static_cast<std::uint64_t>(s.a));
            Add(static_cast<std::uint64_t>(s.b));
            Add(s.text);
        }
    }
};

}  // namespace

std::uint64_t RequestTable::Hash(const plan::PlannedRequest& r) noexcept {
    Hasher h;
    h.Add(static_cast<std::uint64_t>(r.method));
    h.Add(r.method_token);
    h.Add(r.url);
    h.Add(static_cast<std::uint64_t>(r.headers.size()));
    for (const auto& [name, value] : r.headers) {
        h.Add(name);
        h.Add(value);
    }
    h.Add(r.body);
    h.Add(r.name);
    h.Add(static_cast<std::uint64_t>(r.expect.size()));
    for (const auto& [lo, hi] : r.expect) {
        h.Add((static_cast<std::uint64_t>(lo) << 32) | static_cast<std::uint32_t>(hi));
    }
    h.Add(static_cast<std::uint64_t>(r.timeout_ns));
    h.Add(static_cast<std::uint64_t>(r.max_redirects));
    h.Add(r.group);
    h.Add(r.tags);
    return h.h;
}

std::uint32_t RequestTable::Index(plan::PlannedRequest request) {
    if ((requests_->size() + 1) * 10 > slots_.size() * 7) Grow();
    const std::uint64_t hash = Hash(request);
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.entry == 0) break;
        if (slot.tag == tag && (*requests_)[slot.entry - 1] == request) return slot.entry - 1;
    }
    const auto index = static_cast<std::uint32_t>(requests_->size());
    requests_->push_back(std::move(request));
    hashes_.push_back(hash);
    Place(hash, index);
    return index;
}

void RequestTable::Place(std::uint64_t hash, std::uint32_t index) noexcept {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i].entry != 0) i = (i + 1) & mask;
    slots_[i] = Slot{static_cast<std::uint32_t>(hash >> 32), index + 1};
}

void RequestTable::Grow() {
    slots_.assign(slots_.empty() ? 1024 : slots_.size() * 2, Slot{});
    for (std::size_t i = 0; i < hashes_.size(); ++i) Place(hashes_[i], static_cast<std::uint32_t>(i));
}

void RequestTable::Release() noexcept {
    slots_.clear();
    slots_.shrink_to_fit();
    hashes_.clear();
    hashes_.shrink_to_fit();
}

}  // namespace lse::lua::capture
