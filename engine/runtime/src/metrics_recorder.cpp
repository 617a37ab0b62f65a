#include "lse/runtime/metrics_recorder.hpp"

#include <utility>

namespace lse::runtime {

int MetricsRecorder::Register(const std::string& key, bool counts_in_total) {
    for (size_t i = 0; i < names_.size(); ++i) {
        if (names_[i] == key) return static_cast<int>(i);
    }
    names_.push_back(key);
    in_total_.push_back(counts_in_total);
    by_index_.emplace_back();
    return static_cast<int>(names_.size() - 1);
}

int MetricsRecorder::RegisterCheck(const std::string& key) {
    for (size_t i = 0; i < check_names_.size(); ++i) {
        if (check_names_[i] == key) return static_cast<int>(i);
    }
    check_names_.push_back(key);
    checks_.emplace_back();
    return static_cast<int>(check_names_.size() - 1);
}

void MetricsRecorder::Publish(std::int64_t interval_start_ns, std::int64_t interval_end_ns) {
    metrics::Snapshot interval;
    interval.start_ns = interval_start_ns;
    interval.end_ns = interval_end_ns;
    for (size_t i = 0; i < names_.size(); ++i) {
        if (in_total_[i]) {
            interval.total += by_index_[i];
        } else {
            interval.total.RecordDropped(by_index_[i].dropped);
        }
        interval.by_name[names_[i]] += by_index_[i];
        by_index_[i].Reset();
    }
    for (size_t i = 0; i < check_names_.size(); ++i) {
        interval.checks[check_names_[i]] += checks_[i];
        checks_[i] = metrics::CheckCounts{};
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
