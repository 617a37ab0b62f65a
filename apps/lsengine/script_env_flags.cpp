// -e KEY=VALUE, --env-file FILE and --redact KEY on `lsengine run`: the script's environment (lsengine.env,
// os.getenv) and which of its values are secrets, masked in every output (lse/core/redact.hpp).

#include <iostream>
#include <memory>

#include "lse/core/redact.hpp"
#include "run_flags.hpp"

namespace lse::cli {

void AddScriptEnvFlags(CLI::App* cmd, RunFlags* f) {
    cmd->add_option("-e,--env", f->env_assignments,
                    "KEY=VALUE for the script: lsengine.env.KEY and os.getenv(\"KEY\") (repeatable; values of keys "
                    "named like *TOKEN*, *SECRET*, *PASSWORD*, *KEY*, *AUTH*... are masked in every output)")
        ->allow_extra_args(false);
    cmd->add_option("--env-file", f->env_files,
                    "Read KEY=VALUE lines (# comments, optional quotes) for the script, like -e (repeatable; -e wins)")
        ->allow_extra_args(false);
    cmd->add_option("--redact", f->redact_keys,
                    "Also mask the value of this -e/--env-file KEY in every output (repeatable)")
        ->allow_extra_args(false);
}

std::shared_ptr<const lua::ScriptEnv> BuildScriptEnv(const RunFlags& f) {
    auto env = std::make_shared<lua::ScriptEnv>();
    for (const std::string& file : f.env_files) lua::ReadEnvFile(file, env.get());
    for (const std::string& a : f.env_assignments) lua::AddEnvAssignment(a, "-e", env.get());
    env->redact_keys = f.redact_keys;
    for (const std::string& key : f.redact_keys) {
        if (env->values.count(key) == 0) {
            std::cerr << "lsengine: warning: --redact " << key << ": no -e or --env-file value has this name\n";
        }
    }
    for (const std::string& key : lua::RegisterEnvSecrets(*env)) {
        std::cerr << "lsengine: warning: the value of " << key << " is shorter than " << kMinSecretValueLength
                  << " characters and is not masked in the outputs\n";
    }
    return env;
}

}  // namespace lse::cli
