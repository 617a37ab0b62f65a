#pragma once
/// @file
/// The set of HTTP statuses a request accepts as success ("expect" in scenarios,
/// --expect on the command line). Anything else counts as a `status` error.

#include <bitset>
#include <string_view>

namespace lse::runtime {

class StatusSet {
public:
    /// Default: every 2xx and 3xx status.
    static StatusSet SuccessAndRedirects();
    /// Parses "200,201,204", "2xx", "200-299,404". Throws lse::UsageError naming `what`.
    static StatusSet Parse(std::string_view text, std::string_view what);

    void Add(int status) noexcept {
        if (status >= 0 && status < kMax) bits_.set(static_cast<size_t>(status));
    }
    bool Contains(int status) const noexcept {
        return status >= 0 && status < kMax && bits_.test(static_cast<size_t>(status));
    }

private:
    static constexpr int kMax = 600;
    std::bitset<kMax> bits_;
};

}  // namespace lse::runtime
