#pragma once
/// @file
/// One accepted TCP connection: llhttp parsing into a FIFO of requests, replies written in order.
/// Owns itself: it deletes itself once all of its libuv handles are closed.

#include <llhttp.h>
#include <uv.h>

#include <deque>
#include <string>

#include "request.hpp"

namespace lse::demo {

class Server;

class Connection {
public:
    explicit Connection(Server* server);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Accepts from `listener` and starts reading; on failure the connection closes itself.
    void Accept(uv_stream_t* listener);
    /// Graceful close: FIN, then discard what the peer still sends until it closes (or 1 s), so
    /// unread request bytes do not turn our close into an RST that could destroy the last reply.
    void Close();
    /// Immediate close (server shutdown). Idempotent.
    void ForceClose() { CloseHandles(false); }

private:
    ~Connection() = default;  // Only via OnHandleClosed.

    static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
    static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
    static void OnWritten(uv_write_t* req, int status);
    static void OnIdleTimer(uv_timer_t* timer);
    static void OnDelayTimer(uv_timer_t* timer);
    static void OnHandleClosed(uv_handle_t* handle);
    static void OnShutdown(uv_shutdown_t* req, int status);

    static int OnMessageBegin(llhttp_t* parser);
    static int OnUrl(llhttp_t* parser, const char* at, size_t length);
    static int OnHeaderField(llhttp_t* parser, const char* at, size_t length);
    static int OnHeaderValue(llhttp_t* parser, const char* at, size_t length);
    static int OnHeaderValueComplete(llhttp_t* parser);
    static int OnBody(llhttp_t* parser, const char* at, size_t length);
    static int OnMessageComplete(llhttp_t* parser);

    /// Serves queued requests until one must wait (delay timer, hang) or the queue is empty.
    void Pump();
    void Write(std::string bytes, bool close_after, bool reset_after);
    void ArmIdleTimer();
    void CloseHandles(bool reset);

    Server* server_;
    uv_tcp_t tcp_;
    uv_timer_t idle_timer_;
    uv_timer_t delay_timer_;
    llhttp_t parser_;
    llhttp_settings_t settings_;
    char read_buffer_[65536];

    Request current_;
    std::string header_field_;
    std::string header_value_;
    std::deque<Request> queue_;
    Reply delayed_;               ///< The reply waiting on delay_timer_.
    bool busy_ = false;           ///< A reply is delayed or hanging: later requests wait.
    bool draining_ = false;       ///< The last reply is written or queued: ignore further requests.
    bool peer_eof_ = false;       ///< The peer half-closed: finish the queue, then close.
    bool lingering_ = false;      ///< FIN sent; waiting for the peer's EOF.
    bool closing_ = false;        ///< Handles are being closed.
    uv_shutdown_t shutdown_req_;
    int open_handles_ = 0;
    int requests_parsed_ = 0;     ///< Complete requests seen on this connection (Request::index_on_connection).
};

}  // namespace lse::demo
