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
    errors_by_index_.emplace_back();
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

void MetricsRecorder::RecordError(int index, ErrorKind kind, std::string_view message, std::int64_t now_ns) noexcept {
    try {
        RecordErrorOrThrow(index, kind, message, now_ns);
    } catch (...) {
    }
}

void MetricsRecorder::RecordErrorOrThrow(int index, ErrorKind kind, std::string_view message, std::int64_t now_ns) {
    auto& groups = errors_by_index_[static_cast<size_t>(index)];
    // Compare the first line (what CleanErrorMessage keeps) without building a string; only a new, long or
    // control-character message is cleaned first.
    const size_t nl = message.find('\n');
    std::string_view line = nl == std::string_view::npos ? message : message.substr(0, nl);
    ErrorGroup* hit = nullptr;
    ErrorGroup* other = nullptr;
    for (ErrorGroup& g : groups) {
        if (g.kind != kind) continue;
        if (g.message == metrics::kOtherMessages) other = &g;
        if (std::string_view(g.message) == line) {
            hit = &g;
            break;
        }
    }
    if (hit == nullptr) {
        std::string clean = metrics::CleanErrorMessage(line);
        for (ErrorGroup& g : groups) {
            if (g.kind == kind && g.message == clean) hit = &g;
        }
        if (hit == nullptr && groups.size() >= metrics::kMaxGroupsPerRow) {
            if (other == nullptr) {
                // Replace nothing that already has a count: the fold group is one more slot.
                groups.push_back(ErrorGroup{kind, std::string(metrics::kOtherMessages), {}});
                other = &groups.back();
            }
            hit = other;
        }
        if (hit == nullptr) {
            groups.push_back(ErrorGroup{kind, std::move(clean), {}});
            hit = &groups.back();
        }
    }
    if (hit->sample.count++ == 0) hit->sample.first_seen_ns = now_ns;
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
        for (ErrorGroup& g : errors_by_index_[i]) {
            if (g.sample.count == 0) continue;
            interval.AddError(metrics::MakeErrorKey(names_[i], g.kind, g.message), g.sample);
            g.sample = metrics::ErrorSample{};
        }
    }
    for (size_t i = 0; i < check_names_.size(); ++i) {
        interval.checks[check_names_[i]] += checks_[i];
        checks_[i] = metrics::CheckCounts{};
    }
    for (auto& [name, metric] : custom_.custom) {
        interval.custom.emplace(name, metric);  // copied whole: the interval holds a metric of the same kind
        metric.Reset();
    }
    if (!generator_.empty()) {
        interval.generators.emplace(generator_, health_);  // a copy: health_ keeps its histogram pages
        health_.Reset();
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
