#pragma once
/// @file
/// The service's one secret: a bearer token read from a file once at start, compared in constant time.

#include <string>
#include <string_view>

namespace lse::service {

/// The token in `path`: the file's text without surrounding whitespace (a trailing newline from `echo` is
/// fine). Throws lse::UsageError naming --token-file when it cannot be read, is empty, or holds whitespace or
/// control characters inside (two tokens, or a binary file). *warning (when non-null) is set when the file is
/// readable by other users.
std::string ReadTokenFile(const std::string& path, std::string* warning = nullptr);

/// True when `authorization` is "Bearer <token>" (scheme case-insensitive). Compares digests of both sides
/// with CRYPTO_memcmp, so neither the token's content nor its length shows in the time it takes.
bool BearerTokenMatches(std::string_view authorization, std::string_view token) noexcept;

}  // namespace lse::service
