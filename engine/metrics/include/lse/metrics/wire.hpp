#pragma once
/// @file
/// Little building blocks of the metrics wire format: unsigned LEB128 varints, zigzag for
/// signed values and a one-byte type tag plus version in front of every encoded object.
/// Readers take a `std::string_view*` and consume what they read, so encoders nest: a
/// Snapshot is a sequence of RequestStats, each a sequence of Histograms.
/// Every reader validates before it trusts a byte: it never reads past the view, and returns
/// false on truncated, overlong or malformed input (inputs arrive from the network).

#include <cstdint>
#include <string>
#include <string_view>

namespace lse::metrics::wire {

/// The longest valid encoding of a uint64 varint.
inline constexpr std::size_t kMaxVarintBytes = 10;

/// Appends `value` as an unsigned LEB128 varint (7 bits per byte, low bits first).
void AppendVarint(std::string* out, std::uint64_t value);

/// Reads one varint from the front of *in. Rejects truncation, encodings longer than 10 bytes
/// and a 10th byte carrying bits above 2^64. The one-byte case (most histogram tokens) is inline.
bool ReadLongVarint(std::string_view* in, std::uint64_t* value) noexcept;
inline bool ReadVarint(std::string_view* in, std::uint64_t* value) noexcept {
    if (!in->empty() && static_cast<unsigned char>(in->front()) < 0x80) {
        *value = static_cast<unsigned char>(in->front());
        in->remove_prefix(1);
        return true;
    }
    return ReadLongVarint(in, value);
}

/// Signed values (interval bounds) go through zigzag so small negatives stay short.
inline constexpr std::uint64_t ZigZagEncode(std::int64_t v) noexcept {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline constexpr std::int64_t ZigZagDecode(std::uint64_t v) noexcept {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

void AppendSignedVarint(std::string* out, std::int64_t value);
bool ReadSignedVarint(std::string_view* in, std::int64_t* value) noexcept;

/// Every encoded object starts with {tag, version}. Writes both bytes.
void AppendHeader(std::string* out, char tag, std::uint8_t version);

/// Consumes the two header bytes; returns false (with a message in *error when non-null) if
/// the input is too short, the tag differs or the version is not `version`.
bool ReadHeader(std::string_view* in, char tag, std::uint8_t version, std::string_view what, std::string* error);

/// Fills *error (when non-null) with "<what>: <reason>" and returns false, so decoders can
/// write `return Fail(error, "histogram", "truncated");`.
bool Fail(std::string* error, std::string_view what, std::string_view reason);

}  // namespace lse::metrics::wire
