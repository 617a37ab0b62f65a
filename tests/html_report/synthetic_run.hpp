#pragma once
// A small made-up run fed to an HtmlReport, shared by the unit and the browser tests: one scenario
// with two tasks (one of them with a hostile request name), timeouts and 500s, a failed check, a
// lifecycle request, one passing and one failing threshold, two agents (with generator health and agent-2's
// rebalances) and a few intervals.

#include <cstdint>
#include <string>

#include "lse/html_report/html_report.hpp"

namespace lse::html_report::testing {

inline constexpr const char* kHostileName = "<script>alert(1)</script>";
/// A task name that, if it ever reached the page as markup, would mark <body> with data-xss.
inline constexpr const char* kHostileTask = "buy<img src=x onerror=\"document.body.setAttribute('data-xss','1')\">";
inline constexpr int kIntervals = 5;
/// Generator health of every interval i: agent-1's loop lag is 800 µs, agent-2's (i + 1) times this.
inline constexpr std::int64_t kAgent2LagStepUs = 5000;
/// agent-2's share moves: at 2 s from 50% to 30% (why: this, with markup to escape), at 4 s back to 40% ("recovered").
inline constexpr const char* kRebalanceWhy = "saturated: lag p99 <23 ms>";

struct SyntheticOptions {
    bool failing_threshold = true;
    int exit_code = 3;
    int intervals = kIntervals;
    /// Adds a request row with tags (issue 15), one of them with a hostile value: kTaggedRowTags.
    bool tagged_row = false;
    /// Results per agent region (issue 16): "eu" (agent-1's requests) and kHostileName (agent-2's).
    bool regions = false;
};

/// The tags of the row SyntheticOptions::tagged_row adds (canonical form, lse/metrics/tags.hpp).
inline constexpr const char* kTaggedRowTags = "env\x1e<i>staging</i>\x1dtier\x1egold";

/// Runs OnStart, OnInterval (options.intervals times) and OnEnd on `report`.
void FeedSyntheticRun(HtmlReport& report, const SyntheticOptions& options = {});

/// A fresh empty directory under the test temp dir (TMPDIR, set by ctest into the build tree).
std::string FreshDirectory(const std::string& name);

/// Text of <script type="application/json" id="lse-data"> in a report.
std::string EmbeddedJson(const std::string& html);

}  // namespace lse::html_report::testing
