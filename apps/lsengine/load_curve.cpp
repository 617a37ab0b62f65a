#include "load_curve.hpp"

#include <cstdio>
#include <string>

#include "lse/core/units.hpp"

namespace lse::cli {
namespace {

std::string Rate(double rps) {
    char buf[32];
    std::snprintf(buf, sizeof buf, rps == static_cast<long long>(rps) ? "%.0f" : "%.2f", rps);
    return buf;
}

}  // namespace

void PrintLoadCurve(std::ostream& out, const runtime::LoadSpec& spec) {
    if (spec.model == runtime::LoadModel::kOpen) {
        const sched::RateProfile& p = *spec.profile;
        out << "  load: open model, " << spec.vusers << " virtual users (pool), "
            << FormatDurationNs(p.TotalDurationNs()) << ", " << static_cast<long long>(p.TotalArrivals() + 0.5)
            << " arrivals planned; "
            << (spec.max_wait_ns > 0 ? "an arrival waits up to " + FormatDurationNs(spec.max_wait_ns) + " for a free one"
                                     : std::string("an arrival with none free is dropped"))
            << "\n";
        std::int64_t t = 0;
        double from = p.start_rps();
        for (const sched::Stage& st : p.stages()) {
            out << "    " << (t == 0 ? std::string("0s") : FormatDurationNs(t)) << " .. " << FormatDurationNs(t + st.duration_ns) << ": ";
            if (st.target_rps == from) {
                out << Rate(from) << " rps\n";
            } else {
                out << Rate(from) << " -> " << Rate(st.target_rps) << " rps (linear ramp)\n";
            }
            t += st.duration_ns;
            from = st.target_rps;
        }
    } else {
        out << "  load: closed model, " << spec.vusers << " virtual users for " << FormatDurationNs(spec.duration_ns);
        if (spec.ramp_up_ns > 0) out << ", started evenly over " << FormatDurationNs(spec.ramp_up_ns);
        if (spec.think_max_ns > 0) {
            out << ", think time " << FormatDurationNs(spec.think_min_ns);
            if (spec.think_max_ns != spec.think_min_ns) out << " .. " << FormatDurationNs(spec.think_max_ns);
        }
        out << "\n";
    }
}

report::ScenarioInfo DescribeScenario(const std::string& name, const runtime::LoadSpec& spec) {
    report::ScenarioInfo info;
    info.name = name;
    info.model = spec.model == runtime::LoadModel::kOpen ? "open" : "closed";
    info.vusers = spec.vusers;
    info.duration_ns = spec.RunLengthNs();
    if (spec.model == runtime::LoadModel::kOpen) {
        info.target_rps = spec.profile->TotalArrivals() / (spec.profile->TotalDurationNs() / 1e9);
    }
    return info;
}

void PrintLoadCurveShort(std::ostream& out, const runtime::LoadSpec& spec) {
    if (spec.model == runtime::LoadModel::kOpen) {
        const sched::RateProfile& p = *spec.profile;
        const double avg = p.TotalArrivals() / (p.TotalDurationNs() / 1e9);
        out << "open model, " << Rate(avg) << " rps average over " << FormatDurationNs(p.TotalDurationNs());
        if (p.stages().size() > 1) out << " (" << p.stages().size() << " stages)";
    } else {
        out << "closed model, " << FormatDurationNs(spec.duration_ns);
        if (spec.ramp_up_ns > 0) out << " (ramp-up " << FormatDurationNs(spec.ramp_up_ns) << ")";
    }
    out << ", " << spec.vusers << " virtual users, " << spec.threads << " threads";
}

}  // namespace lse::cli
