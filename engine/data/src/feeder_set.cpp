#include "lse/data/feeder_set.hpp"

#include "lse/core/errors.hpp"

namespace lse::data {

std::shared_ptr<Feeder> FeederSet::Declare(std::size_t index, const std::string& name, const std::string& key,
                                           const std::function<std::shared_ptr<Feeder>()>& load) {
    std::lock_guard lock(mu_);
    if (index < feeds_.size() && feeds_[index].feeder != nullptr) {
        if (feeds_[index].key != key) {
            throw UsageError("data file #" + std::to_string(index + 1) + " is " + name + " here but " +
                             feeds_[index].name +
                             " in another worker: lsengine.data must be called the same way on every load of the "
                             "script (not under a condition that differs between threads)");
        }
        return feeds_[index].feeder;
    }
    std::shared_ptr<Feeder> feeder = load();
    if (index >= feeds_.size()) feeds_.resize(index + 1);
    feeds_[index] = DeclaredFeed{name, key, feeder};
    return feeder;
}

std::vector<DeclaredFeed> FeederSet::Declared() const {
    std::lock_guard lock(mu_);
    return feeds_;
}

}  // namespace lse::data
