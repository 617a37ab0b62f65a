#include "lse/runtime/metrics_recorder.hpp"

#include <utility>

namespace lse::runtime {

int MetricsRecorder::Register(const std::string& name) {
    for (size_t i = 0; i < names_.size(); ++i) {
        if (names_[i] == name) return static_cast<int>(i);
    }
    names_.push_back(name);
    by_index_.emplace_back();
    return static_cast<int>(names_.size() - 1);
}

void MetricsRecorder::Publish(std::int64_t interval_start_ns, std::int64_t interval_end_ns) {
    metrics::Snapshot interval;
    interval.start_ns = interval_start_ns;
    interval.end_ns = interval_end_ns;
    for (size_t i = 0; i < names_.size(); ++i) {
        interval.total += by_index_[i];
        interval.by_name[names_[i]] += by_index_[i];
        by_index_[i].Reset();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (has_published_) {
        published_ += interval;
    } else {
        published_ = std::move(interval);
        has_published_ = true;
    }
}

bool MetricsRecorder::TakePublished(metrics::Snapshot* out) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!has_published_) return false;
    *out = std::move(published_);
    published_ = metrics::Snapshot();
    has_published_ = false;
    return true;
}

}  // namespace lse::runtime
