#pragma once
/// @file
/// Bytes as lower-case hex, for golden-byte tests of the wire codecs (snapshots, protocol messages, plans):
/// an encoding that moves by one byte shows up as a readable diff of two strings.

#include <string>
#include <string_view>

namespace lse::testing {

/// Two lower-case hex digits per byte, no separators: "\x01\xab" -> "01ab".
std::string Hex(std::string_view bytes);

}  // namespace lse::testing
