#pragma once
/// @file
/// Hiding secrets in anything lsengine prints or writes (dry-run output, logs,
/// reports): header values of credential headers, and JSON/form fields whose
/// names say they are secret.

#include <string>
#include <string_view>

namespace lse {

/// True for Authorization, Proxy-Authorization, Cookie, Set-Cookie, and any header whose
/// name contains "token", "secret", "password", "api-key", "apikey" or "session" (case-insensitive).
bool IsSecretHeader(std::string_view name) noexcept;

/// "Bearer abc.def" -> "Bearer ***"; "abc" -> "***". Keeps the auth scheme so output stays useful.
std::string RedactHeaderValue(std::string_view value);

/// Replaces the values of secret-looking fields ("pass", "password", "secret", "token",
/// "access_token", "api_key", ...) in a JSON or x-www-form-urlencoded body with "***".
/// Other bodies are returned unchanged.
std::string RedactBody(std::string_view body);

/// URLs as lsengine shows them (dry-run listings, URL-mode names, reports, error messages): credentials in the
/// userinfo and the values of secret-looking query parameters are masked:
/// "http://u:p@h/x?token=abc&page=2" -> "http://***@h/x?token=***&page=2". Works on absolute URLs and on bare
/// request targets ("/x?token=abc"); anything without secrets comes back unchanged.
std::string RedactUrl(std::string_view url);

}  // namespace lse
