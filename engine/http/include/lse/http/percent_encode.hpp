#pragma once
/// @file
/// Percent-encoding of a URL component (a query= or form= key or value): every byte outside the RFC 3986
/// unreserved set (A-Z a-z 0-9 - . _ ~) becomes %XX, upper-case hex, a space %20. One rule for the Lua
/// runtime's query/form encoding and agents' replay of response values placed in them, so both send the
/// same bytes.

#include <string>
#include <string_view>

namespace lse::http {

/// Appends `text` percent-encoded to *out. No allocation beyond growing *out.
void AppendPercentEncoded(std::string_view text, std::string* out) noexcept;

}  // namespace lse::http
