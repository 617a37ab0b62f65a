#pragma once
/// @file
/// What the metrics wire format adds to the byte codec (lse/core/byte_codec.hpp: varints, zigzag,
/// the latching reader): a one-byte type tag plus version in front of every encoded object, and
/// "<what>: <reason>" errors. Decoders take a `std::string_view*` and consume what they read, so
/// they nest: a Snapshot is a sequence of RequestStats, each a sequence of Histograms.
/// Every decoder validates before it trusts a byte (inputs arrive from the network).

#include <cstdint>
#include <string>
#include <string_view>

namespace lse::metrics::wire {

/// Every encoded object starts with {tag, version}. Writes both bytes.
void AppendHeader(std::string* out, char tag, std::uint8_t version);

/// Consumes the two header bytes; returns false (with a message in *error when non-null) if
/// the input is too short, the tag differs or the version is not `version`.
bool ReadHeader(std::string_view* in, char tag, std::uint8_t version, std::string_view what, std::string* error);

/// Fills *error (when non-null) with "<what>: <reason>" and returns false, so decoders can
/// write `return Fail(error, "histogram", "truncated");`.
bool Fail(std::string* error, std::string_view what, std::string_view reason);

}  // namespace lse::metrics::wire
