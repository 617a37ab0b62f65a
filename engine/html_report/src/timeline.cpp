#include "lse/html_report/timeline.hpp"

#include <algorithm>
#include <cmath>

#include "lse/metrics/stat_key.hpp"
#include "lse/report/summary_model.hpp"

namespace lse::html_report {
namespace {

constexpr std::array<const char*, kStatusClassCount> kStatusClassNames = {"2xx", "3xx", "4xx", "5xx"};

double Seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

void Percentiles(const metrics::Histogram& h, std::array<std::int64_t, kTimelinePercentiles.size()>* out) {
    for (std::size_t i = 0; i < kTimelinePercentiles.size(); ++i) {
        (*out)[i] = h.Count() == 0 ? TimelineRow::kNoSamples : h.ValueAtPercentile(kTimelinePercentiles[i]);
    }
}

// Rates combine weighted by the time each row covers; a row without a length counts as one second.
double WeightedRate(double a, double a_s, double b, double b_s) {
    const double wa = a_s > 0 ? a_s : 1;
    const double wb = b_s > 0 ? b_s : 1;
    return (a * wa + b * wb) / (wa + wb);
}

nlohmann::json LatencyMs(std::int64_t us) {
    if (us == TimelineRow::kNoSamples) return nullptr;
    return static_cast<double>(us) / 1000.0;
}

// Charts need no more precision than this, and shorter numbers keep a day-long report small.
double Rounded(double v) { return std::round(v * 1000.0) / 1000.0; }

}  // namespace

void MergeRows(TimelineRow* earlier, const TimelineRow& later) {
    TimelineRow& a = *earlier;
    a.target_rps = WeightedRate(a.target_rps, a.length_s, later.target_rps, later.length_s);
    a.achieved_rps = WeightedRate(a.achieved_rps, a.length_s, later.achieved_rps, later.length_s);
    a.iterations_per_s = WeightedRate(a.iterations_per_s, a.length_s, later.iterations_per_s, later.length_s);
    if (a.task_iterations_per_s.size() < later.task_iterations_per_s.size()) {
        a.task_iterations_per_s.resize(later.task_iterations_per_s.size(), 0.0);
    }
    for (std::size_t i = 0; i < a.task_iterations_per_s.size(); ++i) {
        const double b = i < later.task_iterations_per_s.size() ? later.task_iterations_per_s[i] : 0.0;
        a.task_iterations_per_s[i] = WeightedRate(a.task_iterations_per_s[i], a.length_s, b, later.length_s);
    }
    // The worst percentile of the merged intervals: a merged chart must still show every spike.
    for (std::size_t i = 0; i < a.service_us.size(); ++i) {
        a.service_us[i] = std::max(a.service_us[i], later.service_us[i]);
        a.response_us[i] = std::max(a.response_us[i], later.response_us[i]);
    }
    if (a.generator_lag_p99_us.size() < later.generator_lag_p99_us.size()) {
        a.generator_lag_p99_us.resize(later.generator_lag_p99_us.size(), TimelineRow::kNoSamples);
    }
    for (std::size_t i = 0; i < later.generator_lag_p99_us.size(); ++i) {
        a.generator_lag_p99_us[i] = std::max(a.generator_lag_p99_us[i], later.generator_lag_p99_us[i]);
    }
    for (std::size_t i = 0; i < a.errors.size(); ++i) a.errors[i] += later.errors[i];
    for (std::size_t i = 0; i < a.statuses.size(); ++i) a.statuses[i] += later.statuses[i];
    a.elapsed_s = later.elapsed_s;
    a.length_s += later.length_s;
    a.active_vusers = later.active_vusers;
}

std::size_t Timeline::TaskIndex(const std::string& scenario, const std::string& task) {
    std::string key = scenario;
    key += metrics::kStatKeySeparator;
    key += task;
    if (auto it = task_index_.find(key); it != task_index_.end()) return it->second;
    if (task_tasks_.size() >= kMaxTasks) return kMaxTasks;
    const std::size_t index = task_tasks_.size();
    task_index_.emplace(std::move(key), index);
    task_scenarios_.push_back(report::Printable(scenario));
    task_tasks_.push_back(report::Printable(task));
    return index;
}

std::size_t Timeline::GeneratorIndex(const std::string& id) {
    if (auto it = generator_index_.find(id); it != generator_index_.end()) return it->second;
    if (generator_ids_.size() >= kMaxGenerators) {
        other_generators_ = true;
        return kMaxGenerators;
    }
    const std::size_t index = generator_ids_.size();
    generator_index_.emplace(id, index);
    generator_ids_.push_back(report::Printable(id));
    return index;
}

TimelineRow Timeline::RowOf(const report::IntervalUpdate& update) {
    const metrics::Snapshot& s = update.interval;
    TimelineRow row;
    row.elapsed_s = Seconds(update.elapsed_ns);
    row.length_s = s.HasInterval() ? Seconds(s.end_ns - s.start_ns) : row.elapsed_s - last_elapsed_s_;
    const double per_s = row.length_s > 0 ? 1.0 / row.length_s : 0.0;
    row.target_rps = update.target_rps;
    row.achieved_rps = static_cast<double>(s.total.requests) * per_s;
    row.active_vusers = update.active_vusers;
    Percentiles(s.total.service_time_us, &row.service_us);
    Percentiles(s.total.response_time_us, &row.response_us);
    row.errors = s.total.errors_by_kind;
    row.statuses = {s.total.statuses.CountRange(200, 299), s.total.statuses.CountRange(300, 399),
                    s.total.statuses.CountRange(400, 499), s.total.statuses.CountRange(500, 599)};
    metrics::StatKey key;
    for (const auto& [raw, stats] : s.by_name) {
        if (!metrics::ParseStatKey(raw, &key) || key.kind != metrics::StatKind::kTask) continue;
        // Iteration-level failures (script errors, failed checks) live only on task keys; request-level
        // kinds are already in `total`, so only these two are added here.
        row.errors[static_cast<std::size_t>(ErrorKind::kScript)] += stats.ErrorsOf(ErrorKind::kScript);
        row.errors[static_cast<std::size_t>(ErrorKind::kCheck)] += stats.ErrorsOf(ErrorKind::kCheck);
        row.iterations_per_s += static_cast<double>(stats.requests) * per_s;
        has_tasks_ = true;
        const std::size_t index = TaskIndex(key.scenario, key.task);
        if (index >= kMaxTasks) continue;
        if (row.task_iterations_per_s.size() <= index) row.task_iterations_per_s.resize(index + 1, 0.0);
        row.task_iterations_per_s[index] += static_cast<double>(stats.requests) * per_s;
    }
    for (const auto& [id, health] : s.generators) {
        if (health.loop_lag_us.Count() == 0) continue;  // no report from it in this interval
        const std::size_t index = GeneratorIndex(id);
        if (row.generator_lag_p99_us.size() <= index) {
            row.generator_lag_p99_us.resize(index + 1, TimelineRow::kNoSamples);
        }
        // The shared "other generators" slot keeps the worst of them.
        row.generator_lag_p99_us[index] =
            std::max(row.generator_lag_p99_us[index], health.loop_lag_us.ValueAtPercentile(99));
    }
    last_elapsed_s_ = row.elapsed_s;
    return row;
}

void Timeline::Append(const report::IntervalUpdate& update) {
    TimelineRow row = RowOf(update);
    if (pending_intervals_ == 0) {
        pending_ = std::move(row);
    } else {
        MergeRows(&pending_, row);
    }
    if (++pending_intervals_ < intervals_per_row_) return;
    rows_.push_back(std::move(pending_));
    pending_ = TimelineRow{};
    pending_intervals_ = 0;
    if (rows_.size() < kMaxRows) return;
    // Full: halve the rows by merging neighbours, and group twice as many intervals per row from now on.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < rows_.size(); i += 2, ++kept) {
        TimelineRow merged = std::move(rows_[i]);
        if (i + 1 < rows_.size()) MergeRows(&merged, rows_[i + 1]);
        rows_[kept] = std::move(merged);
    }
    rows_.resize(kept);
    intervals_per_row_ *= 2;
}

std::vector<TimelineRow> Timeline::Rows() const {
    std::vector<TimelineRow> rows = rows_;
    if (pending_intervals_ != 0) rows.push_back(pending_);
    return rows;
}

std::vector<std::string> Timeline::TaskNames() const {
    const bool one_scenario = std::all_of(task_scenarios_.begin(), task_scenarios_.end(),
                                          [&](const std::string& s) { return s == task_scenarios_.front(); });
    std::vector<std::string> names;
    names.reserve(task_tasks_.size());
    for (std::size_t i = 0; i < task_tasks_.size(); ++i) {
        names.push_back(one_scenario ? task_tasks_[i] : task_scenarios_[i] + ": " + task_tasks_[i]);
    }
    return names;
}

std::vector<std::string> Timeline::GeneratorNames() const {
    std::vector<std::string> names = generator_ids_;
    if (other_generators_) names.emplace_back("other generators (worst)");
    return names;
}

nlohmann::json Timeline::ToJson() const {
    using nlohmann::json;
    const std::vector<TimelineRow> rows = Rows();
    json t = json::array(), target = json::array(), achieved = json::array(), iterations = json::array();
    json vusers = json::array();
    json service = json::object(), response = json::object();
    for (const char* name : kTimelinePercentileNames) {
        service[name] = json::array();
        response[name] = json::array();
    }
    std::array<bool, kErrorKindCount> kind_seen{};
    for (const TimelineRow& r : rows) {
        for (int k = 1; k < kErrorKindCount; ++k) kind_seen[k] = kind_seen[k] || r.errors[k] != 0;
    }
    json errors = json::object();
    json statuses = json::object();
    for (const char* name : kStatusClassNames) statuses[name] = json::array();
    const std::vector<std::string> names = TaskNames();
    std::vector<json> task_series(names.size(), json::array());
    const std::vector<std::string> generator_names = GeneratorNames();
    std::vector<json> lag_series(generator_names.size(), json::array());

    for (const TimelineRow& r : rows) {
        t.push_back(Rounded(r.elapsed_s));
        target.push_back(Rounded(r.target_rps));
        achieved.push_back(Rounded(r.achieved_rps));
        iterations.push_back(Rounded(r.iterations_per_s));
        vusers.push_back(r.active_vusers);
        for (std::size_t i = 0; i < kTimelinePercentileNames.size(); ++i) {
            service[kTimelinePercentileNames[i]].push_back(LatencyMs(r.service_us[i]));
            response[kTimelinePercentileNames[i]].push_back(LatencyMs(r.response_us[i]));
        }
        for (int k = 1; k < kErrorKindCount; ++k) {
            if (kind_seen[k]) errors[std::string(ErrorKindName(static_cast<ErrorKind>(k)))].push_back(r.errors[k]);
        }
        for (std::size_t i = 0; i < kStatusClassNames.size(); ++i) statuses[kStatusClassNames[i]].push_back(r.statuses[i]);
        for (std::size_t i = 0; i < task_series.size(); ++i) {
            task_series[i].push_back(Rounded(i < r.task_iterations_per_s.size() ? r.task_iterations_per_s[i] : 0.0));
        }
        for (std::size_t i = 0; i < lag_series.size(); ++i) {
            lag_series[i].push_back(
                LatencyMs(i < r.generator_lag_p99_us.size() ? r.generator_lag_p99_us[i] : TimelineRow::kNoSamples));
        }
    }
    json tasks = json::array();
    for (std::size_t i = 0; i < names.size(); ++i) {
        tasks.push_back({{"name", names[i]}, {"iterations_per_s", std::move(task_series[i])}});
    }
    json generators = json::array();
    for (std::size_t i = 0; i < generator_names.size(); ++i) {
        generators.push_back({{"name", generator_names[i]}, {"loop_lag_p99_ms", std::move(lag_series[i])}});
    }
    return {{"t", std::move(t)},
            {"target_rps", std::move(target)},
            {"achieved_rps", std::move(achieved)},
            {"iterations_per_s", std::move(iterations)},
            {"has_tasks", has_tasks_},
            {"vusers", std::move(vusers)},
            {"service_ms", std::move(service)},
            {"response_ms", std::move(response)},
            {"errors", std::move(errors)},
            {"statuses", std::move(statuses)},
            {"tasks", std::move(tasks)},
            {"generators", std::move(generators)},
            {"saturated_lag_p99_ms", static_cast<double>(metrics::kSaturatedLagP99Us) / 1000.0},
            {"intervals_per_row", intervals_per_row_}};
}

}  // namespace lse::html_report
