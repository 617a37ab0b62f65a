#include "server.hpp"

#include <csignal>
#include <string>

#include "connection.hpp"
#include "lse/core/errors.hpp"

namespace lse::demo {

Server::Server(ServerOptions options) : options_(std::move(options)) {
    uv_loop_init(&loop_);
    uv_tcp_init(&loop_, &listener_);
    uv_signal_init(&loop_, &sigint_);
    uv_signal_init(&loop_, &sigterm_);
    listener_.data = sigint_.data = sigterm_.data = this;
}

Server::~Server() {
    if (!shutting_down_) Shutdown();
    uv_run(&loop_, UV_RUN_DEFAULT);  // Lets the close callbacks run.
    uv_loop_close(&loop_);
}

int Server::Listen() {
    sockaddr_in addr{};
    int rc = uv_ip4_addr(options_.host.c_str(), options_.port, &addr);
    if (rc != 0) throw SetupError("bad --host '" + options_.host + "' (IPv4 literal expected): " + uv_strerror(rc));
    rc = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 1024, OnConnection);
    if (rc != 0) {
        throw SetupError("cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
                         uv_strerror(rc));
    }
    sockaddr_storage bound{};
    int len = sizeof(bound);
    uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&bound), &len);
    return ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

int Server::Run() {
    uv_signal_start(&sigint_, OnSignal, SIGINT);
    uv_signal_start(&sigterm_, OnSignal, SIGTERM);
    uv_run(&loop_, UV_RUN_DEFAULT);
    return 0;
}

void Server::OnConnection(uv_stream_t* listener, int status) {
    auto* self = static_cast<Server*>(listener->data);
    if (status < 0 || self->shutting_down_) return;
    auto* connection = new Connection(self);
    self->connections_.insert(connection);
    connection->Accept(listener);  // On failure it closes (and forgets) itself.
}

void Server::OnSignal(uv_signal_t* handle, int) { static_cast<Server*>(handle->data)->Shutdown(); }

void Server::Shutdown() {
    if (shutting_down_) return;
    shutting_down_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
    std::set<Connection*> open = connections_;  // ForceClose() erases from connections_.
    for (Connection* c : open) c->ForceClose();
}

}  // namespace lse::demo
