#pragma once
/// @file
/// Compressed bodies for tests of Content-Encoding decoding, made with zlib's and brotli's own encoders (so a
/// decoder is checked against the reference encoders, not against itself). Throws std::runtime_error when an
/// encoder fails.

#include <string>
#include <string_view>

namespace lse::testing {

/// zlib's deflate with `window_bits` as deflateInit2 takes it: 16 + 15 = gzip, 15 = zlib wrapper, -15 = raw.
std::string Deflate(std::string_view in, int window_bits);
std::string Gzip(std::string_view in);        ///< Content-Encoding: gzip
std::string RawDeflate(std::string_view in);  ///< "deflate" as some servers send it (no zlib wrapper)
std::string Brotli(std::string_view in);      ///< Content-Encoding: br

}  // namespace lse::testing
