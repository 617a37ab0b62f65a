#include "lse/html_report/html_report.hpp"

#include <utility>

#include "lse/report/output_file.hpp"
#include "report_page.hpp"

namespace lse::html_report {

HtmlReport::HtmlReport(std::string path) : path_(std::move(path)) {}

void HtmlReport::OnStart(const report::RunDescription& run) { run_ = run; }

void HtmlReport::OnInterval(const report::IntervalUpdate& update) { timeline_.Append(update); }

void HtmlReport::OnEnd(const report::RunOutcome& outcome) {
    report::WriteFileAtomically(path_, detail::RenderReportPage(run_, timeline_, outcome), "--report");
}

}  // namespace lse::html_report
