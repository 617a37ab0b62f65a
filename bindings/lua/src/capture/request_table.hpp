#pragma once
/// @file
/// The plan's deduplicated request table while a capture fills it: equal requests (every virtual user's anonymous
/// GET) share one entry. A million virtual users bring about two million requests, most of them distinct (each
/// carries the user's token), so the index is an open-addressing table of 8-byte slots over the requests themselves
/// plus each request's 8-byte hash: a field-by-field hash, and PlannedRequest's == on a hit. No key string is built
/// per request, and growing the table re-places the stored hashes without reading the requests again.

#include <cstdint>
#include <vector>

#include "lse/plan/plan.hpp"

namespace lse::lua::capture {

class RequestTable {
public:
    /// Indexes `requests` (empty, or filled only through this table); it must outlive the table's use.
    explicit RequestTable(std::vector<plan::PlannedRequest>* requests) : requests_(requests) {}

    /// The index of a request equal to `request`, appending it when there is none.
    std::uint32_t Index(plan::PlannedRequest request);

    /// Frees the index and the hashes (the requests stay where they are); Index must not be called afterwards.
    void Release() noexcept;

    static std::uint64_t Hash(const plan::PlannedRequest& r) noexcept;

private:
    // tag: the hash's high half (rejects most mismatches without touching the request); entry: index + 1, 0 = free.
    struct Slot {
        std::uint32_t tag = 0;
        std::uint32_t entry = 0;
    };
    void Grow();
    void Place(std::uint64_t hash, std::uint32_t index) noexcept;

    std::vector<plan::PlannedRequest>* requests_;
    std::vector<Slot> slots_;            // a power of two in size, at most 70% used
    std::vector<std::uint64_t> hashes_;  // by request index
};

}  // namespace lse::lua::capture
