#pragma once
/// @file
/// Responses counted per HTTP status code: one counter for each code 100..599 (a flat array,
/// so Record is one bounds check and one increment) plus one "other" counter for anything
/// outside that range (a server sending 0 or 999).
///
/// Wire format (version 1), varints are unsigned LEB128 (lse/core/byte_codec.hpp):
///   byte    'S'            magic / type tag
///   byte    0x01           version
///   varint  other          count of out-of-range codes
///   varint  entries        number of non-zero codes that follow, <= 500
///   entries times:
///     varint  gap          code - (previous code + 1); the previous code starts at 99
///     varint  n            count for that code, >= 1
/// Decode rejects truncation, codes above 599, n == 0 and more than 500 entries.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lse::metrics {

class StatusCounts {
public:
    static constexpr int kMinStatus = 100;
    static constexpr int kMaxStatus = 599;
    static constexpr int kStatusSlots = kMaxStatus - kMinStatus + 1;
    static constexpr char kWireTag = 'S';
    static constexpr std::uint8_t kWireVersion = 1;

    void Record(int status, std::uint64_t n = 1) noexcept {
        if (status >= kMinStatus && status <= kMaxStatus) {
            counts_[static_cast<std::size_t>(status - kMinStatus)] += n;
        } else {
            other_ += n;
        }
    }

    /// Count for one code; codes outside 100..599 return 0 (they are only in Other()).
    std::uint64_t Count(int status) const noexcept {
        return (status >= kMinStatus && status <= kMaxStatus) ? counts_[static_cast<std::size_t>(status - kMinStatus)]
                                                              : 0;
    }
    std::uint64_t Other() const noexcept { return other_; }
    /// Sum of every code including Other().
    std::uint64_t Total() const noexcept;
    /// Sum of the codes in [first, last], e.g. CountRange(500, 599) for "5xx".
    std::uint64_t CountRange(int first, int last) const noexcept;

    /// Calls fn(int status, std::uint64_t count) for each non-zero code in 100..599, ascending.
    /// Other() is not included.
    template <typename Fn>
    void ForEachNonZero(Fn&& fn) const {
        for (int i = 0; i < kStatusSlots; ++i) {
            if (counts_[static_cast<std::size_t>(i)] != 0) fn(kMinStatus + i, counts_[static_cast<std::size_t>(i)]);
        }
    }

    void Reset() noexcept {
        counts_.fill(0);
        other_ = 0;
    }
    StatusCounts& operator+=(const StatusCounts& other) noexcept;
    bool operator==(const StatusCounts& other) const noexcept = default;

    void AppendTo(std::string* out) const;
    /// Decodes one StatusCounts that must fill all of `in`. On failure returns false, fills
    /// *error (when non-null) and leaves *out reset.
    static bool Decode(std::string_view in, StatusCounts* out, std::string* error);
    /// Decodes from the front of *in, consuming what it reads (for nesting).
    static bool DecodeFrom(std::string_view* in, StatusCounts* out, std::string* error);
    /// Adds the StatusCounts at the front of *in to *into without decoding it first (Snapshot::AddEncoded).
    /// On failure *into holds the entries added before the bad one.
    static bool AddEncoded(std::string_view* in, StatusCounts* into, std::string* error);

private:
    std::array<std::uint64_t, kStatusSlots> counts_{};
    std::uint64_t other_ = 0;
};

}  // namespace lse::metrics
