#pragma once
/// @file
/// Wording of connection failures, kept apart from nats.c so it can be unit tested.

#include <string>
#include <string_view>

namespace lse::transport {

/// "cannot connect to NATS at <urls>: <detail>". When `auth_failure` is set the message says so plainly and
/// names what to check, because "Authorization Violation" alone does not tell a user which flag is wrong.
/// `urls` is redacted (see RedactNatsUrl) by the caller.
std::string DescribeConnectFailure(std::string_view urls, std::string_view detail, bool auth_failure);

/// True when nats.c's error text says the server refused the credentials.
bool LooksLikeAuthFailure(std::string_view detail) noexcept;

/// Which credentials a client offered, to name the flags worth checking.
struct OfferedCredentials {
    bool token = false;
    bool user = false;
    bool creds_file = false;
    bool tls = false;
};

/// Why a connection that nats.c closed for good (it gives up on an authorization, TLS or creds error instead of
/// retrying) was refused, naming the flags to check: "authorization violation: check --nats-token /
/// LSENGINE_NATS_TOKEN", "TLS handshake failed: ...", "cannot read the credentials file: ...". `detail` is
/// NatsClient::ProbeRefusal(); anything else is "the broker closed the connection: <detail>".
std::string DescribeRefusal(std::string_view detail, const OfferedCredentials& offered);

}  // namespace lse::transport
