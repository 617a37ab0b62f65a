#pragma once
/// @file
/// Hiding secrets in anything lsengine prints or writes (dry-run output, logs,
/// reports): header values of credential headers, and JSON/form fields whose
/// names say they are secret.

#include <cstddef>
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

namespace lse {

// ---- Secret values (issue 15): what a run was given through -e / --env-file ----
//
// Header and field names say where a secret sits in a request; a secret the script got from its environment
// can end up anywhere (a request name, a check name, an error message). So its value itself is registered here,
// once, before the run starts, and every output (summary, JSON, ndjson, HTML report, Prometheus labels, dry-run
// listing, error messages) passes user-controlled text through RedactSecretValues. Process-wide, because an error
// message can be built anywhere; registering is setup-only, reading is thread-safe.

/// True for environment keys whose values are secrets: the name contains TOKEN, SECRET, PASSWORD, PASSWD, KEY,
/// AUTH, CREDENTIAL, COOKIE or SESSION (case-insensitive): API_KEY, GITHUB_TOKEN, DB_PASSWORD, AUTH_HEADER.
bool IsSecretEnvName(std::string_view name) noexcept;

/// Values shorter than this are not registered: masking every "abc" or "42" in a report would destroy it and
/// hide nothing worth hiding. AddSecretValue says so (returns false), and the CLI warns.
inline constexpr std::size_t kMinSecretValueLength = 4;

/// Registers `value` for redaction; false (and nothing registered) when it is shorter than kMinSecretValueLength.
/// Its JSON-escaped spelling (when it differs: quotes, backslashes, control characters) is registered with it,
/// so the value is also found in JSON text that was already serialised.
bool AddSecretValue(std::string_view value);

/// Whether any value is registered (the outputs' fast path: nothing to search for).
bool HasSecretValues() noexcept;

/// `text` with every registered value replaced by "***" (longest values first, so a secret containing another
/// is masked whole). Unchanged when nothing is registered.
std::string RedactSecretValues(std::string_view text);

/// Forgets every registered value (tests).
void ClearSecretValues() noexcept;

}  // namespace lse
