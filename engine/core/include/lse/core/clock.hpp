#pragma once
/// @file
/// Monotonic time as int64 nanoseconds. Code that schedules takes a Clock so tests
/// can drive time by hand (FakeClock) instead of sleeping.

#include <cstdint>
#include <time.h>

namespace lse {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::int64_t NowNs() const noexcept = 0;
};

class MonotonicClock final : public Clock {
public:
    std::int64_t NowNs() const noexcept override {
        timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    }
};

/// Test clock: time moves only when the test says so.
class FakeClock final : public Clock {
public:
    explicit FakeClock(std::int64_t start_ns = 0) : now_(start_ns) {}
    std::int64_t NowNs() const noexcept override { return now_; }
    void AdvanceNs(std::int64_t d) noexcept { now_ += d; }
    void SetNs(std::int64_t t) noexcept { now_ = t; }

private:
    std::int64_t now_;
};

inline constexpr std::int64_t kNsPerUs = 1'000;
inline constexpr std::int64_t kNsPerMs = 1'000'000;
inline constexpr std::int64_t kNsPerSec = 1'000'000'000;

}  // namespace lse
