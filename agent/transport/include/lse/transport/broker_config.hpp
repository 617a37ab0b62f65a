#pragma once
/// @file
/// Pieces of the embedded broker that need no child process: the token and the nats-server config file.

#include <cstddef>
#include <string>
#include <string_view>

namespace lse::transport {

/// `chars` random lowercase hex characters from the OS entropy source.
std::string RandomHexToken(std::size_t chars = 32);

/// Throws lse::UsageError unless the token is non-empty printable ASCII without quotes, backslashes or spaces
/// (it is written into a quoted config string and typed into shells by users).
void ValidateBrokerToken(std::string_view token);

/// nats-server config text: listen address, mandatory token authorization, optional log file.
/// The token goes into a 0600 file rather than argv, where every local user could read it with `ps`.
std::string RenderBrokerConfig(std::string_view host, int port, std::string_view token, std::string_view log_file);

}  // namespace lse::transport
