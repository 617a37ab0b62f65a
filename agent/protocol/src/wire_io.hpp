#pragma once
// Private helpers of codec.cpp: a field writer and a bounds-checked field reader over the metrics
// wire primitives (varints, zigzag). The reader latches the first failure, so a decoder reads all
// fields and checks once at the end: no read after a failure consumes anything.

#include <cstdint>
#include <string>
#include <string_view>

#include "lse/metrics/wire.hpp"

namespace lse::protocol::wire_io {

class Writer {
public:
    explicit Writer(std::string* out) : out_(out) {}
    void U64(std::uint64_t v) { metrics::wire::AppendVarint(out_, v); }
    void I64(std::int64_t v) { metrics::wire::AppendSignedVarint(out_, v); }
    void Byte(std::uint8_t v) { out_->push_back(static_cast<char>(v)); }
    void Bool(bool v) { Byte(v ? 1 : 0); }
    void Str(std::string_view s) {
        U64(s.size());
        out_->append(s);
    }

private:
    std::string* out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}

    bool ok() const noexcept { return error_ == nullptr; }
    const char* error() const noexcept { return error_; }
    bool AtEnd() const noexcept { return in_.empty(); }
    std::size_t remaining() const noexcept { return in_.size(); }
    /// Latches a semantic failure found by the decoder (bad id, out-of-range value).
    void Fail(const char* why) noexcept {
        if (error_ == nullptr) error_ = why;
    }

    std::uint64_t U64(const char* field) noexcept {
        std::uint64_t v = 0;
        if (ok() && !metrics::wire::ReadVarint(&in_, &v)) Fail(field);
        return v;
    }
    std::uint32_t U32(const char* field) noexcept {
        const std::uint64_t v = U64(field);
        if (v > UINT32_MAX) Fail(field);
        return static_cast<std::uint32_t>(v);
    }
    std::int64_t I64(const char* field) noexcept {
        std::int64_t v = 0;
        if (ok() && !metrics::wire::ReadSignedVarint(&in_, &v)) Fail(field);
        return v;
    }
    std::uint8_t Byte(const char* field) noexcept {
        if (!ok()) return 0;
        if (in_.empty()) {
            Fail(field);
            return 0;
        }
        const auto v = static_cast<std::uint8_t>(in_.front());
        in_.remove_prefix(1);
        return v;
    }
    bool Bool(const char* field) noexcept {
        const std::uint8_t v = Byte(field);
        if (v > 1) Fail(field);
        return v == 1;
    }
    /// An enum stored as one byte, below kCount.
    template <typename Enum>
    Enum EnumValue(const char* field) noexcept {
        const std::uint8_t v = Byte(field);
        if (v >= static_cast<std::uint8_t>(Enum::kCount)) Fail(field);
        return ok() ? static_cast<Enum>(v) : Enum{};
    }
    /// A length-prefixed string of at most max_length bytes; the length is checked against the
    /// remaining input before anything is allocated.
    void Str(const char* field, std::size_t max_length, std::string* out) {
        const std::uint64_t n = U64(field);
        if (!ok()) return;
        if (n > max_length || n > in_.size()) {
            Fail(field);
            return;
        }
        out->assign(in_.data(), static_cast<std::size_t>(n));
        in_.remove_prefix(static_cast<std::size_t>(n));
    }

private:
    std::string_view in_;
    const char* error_ = nullptr;
};

}  // namespace lse::protocol::wire_io
