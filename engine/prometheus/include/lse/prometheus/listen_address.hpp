#pragma once
/// @file
/// The address a listening socket binds to, as the user writes it on the command line:
///   "127.0.0.1:9464"   one interface
///   ":9464"            all interfaces (IPv4)
///   "localhost:0"      port 0: the kernel picks a free port
///   "[::1]:9464"       IPv6 literals go in brackets

#include <string>
#include <string_view>

namespace lse::prometheus {

struct ListenAddress {
    std::string host;  ///< empty: all interfaces
    int port = 0;      ///< 0..65535; 0 lets the kernel choose
};

/// Parses "HOST:PORT", ":PORT" or "[IPV6]:PORT". Throws lse::UsageError naming `flag` and the text
/// when it is malformed (no port, port not a number or out of range, unbracketed IPv6, spaces...).
ListenAddress ParseListenAddress(std::string_view text, std::string_view flag = "--prometheus");

}  // namespace lse::prometheus
