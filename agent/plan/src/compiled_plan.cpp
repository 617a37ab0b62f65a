#include "lse/plan/compiled_plan.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <optional>
#include <utility>

#include "lse/core/errors.hpp"
#include "plan_stream.hpp"
#include "scenario_compiler.hpp"

namespace lse::plan {
namespace {

// Every piece is checked (ScenarioChecker, DecodePlan's checks) before it is compiled, then dropped by the decoder.
class CompileSink final : public PlanSink {
public:
    CompileSink(CompiledPlan* out, const CompilePlanOptions& options) : out_(out), options_(options) {}

    bool Header(std::uint32_t version, std::string&& cluster_id, std::string&& run_id, std::size_t scenarios,
                std::string*) override {
        out_->version = version;
        out_->cluster_id = std::move(cluster_id);
        out_->run_id = std::move(run_id);
        out_->scenarios.clear();
        out_->scenarios.reserve(scenarios);
        checkers_.reserve(scenarios);
        return true;
    }

    bool BeginScenario(const ScenarioPlan& header, std::string* error) override {
        checkers_.emplace_back();
        if (!checkers_.back().Begin(header, error)) return false;
        CompiledPlan::Scenario& s = out_->scenarios.emplace_back();
        s.name = header.name;
        compiler_.reset();
        if (!options_.select || options_.select(header.name)) {
            compiler_.emplace();
            compiler_->Begin(header);
        }
        return true;
    }

    void ExpectRequests(std::size_t n) override {
        if (compiler_) compiler_->ExpectRequests(n);
    }

    bool Request(std::size_t index, PlannedRequest& r, std::string* error) override {
        if (!checkers_.back().Request(index, r, error)) return false;
        Compile([&] { compiler_->Request(index, r); });
        return true;
    }

    void ExpectVusers(std::size_t n) override {
        if (compiler_) compiler_->ExpectVusers(n);
    }

    bool Vuser(VuPlan& vu, std::string* error) override {
        if (!checkers_.back().Vuser(vu, error)) return false;
        Compile([&] { compiler_->Vuser(vu); });
        return true;
    }

    bool EndScenario(ScenarioPlan& header, std::string* error) override {
        if (!checkers_.back().End(header, error)) return false;
        if (compiler_) {
            try {
                out_->scenarios.back().compiled = compiler_->End(std::move(header));
            } catch (const Error& e) {
                out_->scenarios.back().problem = e.what();
            }
            compiler_.reset();
        }
        return true;
    }

    bool Feeds(std::vector<DataFeed>& feeds, std::string* error) override {
        if (!CheckFeedList(feeds, error)) return false;
        for (const ScenarioChecker& c : checkers_) {
            if (!c.CheckFeeds(feeds, error)) return false;
        }
        out_->feeds = std::move(feeds);
        return true;
    }

private:
    // A compile error ends this scenario's compiling (its problem), not the decoding: DecodePlan accepts the plan.
    template <typename F>
    void Compile(F&& step) {
        if (!compiler_) return;
        try {
            step();
        } catch (const Error& e) {
            out_->scenarios.back().problem = e.what();
            compiler_.reset();
        }
        if (options_.on_progress) options_.on_progress();
    }

    CompiledPlan* out_;
    const CompilePlanOptions& options_;
    std::vector<ScenarioChecker> checkers_;  // one per scenario: the data placeholders are checked with the feeds
    std::optional<ScenarioCompiler> compiler_;
};

}  // namespace

bool DecodeAndCompilePlan(std::string_view bytes, CompiledPlan* out, std::string* error,
                          const CompilePlanOptions& options) {
    *out = CompiledPlan{};
    bool ok = false;
    {
        CompileSink sink(out, options);
        ok = DecodePlanStream(bytes, sink, error, options.limits);
    }
    if (!ok) *out = CompiledPlan{};
#if defined(__GLIBC__)
    // What the decoding freed (the string table, each request and virtual user, the checkers): give its pages back to
    // the system (glibc keeps freed small blocks in the heap otherwise), so the agent's resident size is what it keeps.
    malloc_trim(0);
#endif
    return ok;
}

}  // namespace lse::plan
