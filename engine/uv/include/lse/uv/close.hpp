#pragma once
/// @file
/// The ways lsengine closes a libuv handle. libuv frees nothing itself and may touch a handle until its close
/// callback ran, so the memory must outlive that callback: these helpers name who keeps it alive.
///
/// - Close(h): the handle is a member of an object (or a local) that stays alive until the loop has run once
///   more (the owner runs the loop to completion, or the object is freed by a later callback). Idempotent.
/// - CloseAndDelete(h): the handle itself was allocated with `new H`; it is deleted in the close callback.
/// - CloseAndDeleteData<T>(h): the handle is a member of a `new T` that h->data points to; the whole T is
///   deleted in the close callback.
/// Handles whose close callback does more (counts open handles, chains the next close) call uv_close directly.

#include <uv.h>

namespace lse::uv {

namespace detail {
template <class H>
uv_handle_t* AsHandle(H* handle) noexcept {
    return reinterpret_cast<uv_handle_t*>(handle);
}
}  // namespace detail

template <class H>
void Close(H* handle) noexcept {
    uv_handle_t* h = detail::AsHandle(handle);
    if (!uv_is_closing(h)) uv_close(h, nullptr);
}

template <class H>
void CloseAndDelete(H* handle) noexcept {
    uv_close(detail::AsHandle(handle), [](uv_handle_t* h) { delete reinterpret_cast<H*>(h); });
}

template <class T, class H>
void CloseAndDeleteData(H* handle) noexcept {
    uv_close(detail::AsHandle(handle), [](uv_handle_t* h) { delete static_cast<T*>(h->data); });
}

}  // namespace lse::uv
