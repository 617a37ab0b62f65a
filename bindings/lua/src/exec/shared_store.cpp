#include "lse/lua/shared_store.hpp"

#include <limits>

namespace lse::lua {

SharedValue SharedStore::Get(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = values_.find(key);
    return it == values_.end() ? SharedValue{} : it->second;
}

void SharedStore::Set(const std::string& key, SharedValue value) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(key);
    if (std::holds_alternative<std::monostate>(value.v)) {
        values_.erase(key);
    } else {
        values_[key] = std::move(value);
    }
}

double SharedStore::Incr(const std::string& key, double by) {
    std::lock_guard<std::mutex> lock(mu_);
    SharedValue& slot = values_[key];
    if (std::holds_alternative<std::monostate>(slot.v)) slot.v = 0.0;
    double* number = std::get_if<double>(&slot.v);
    if (number == nullptr) return std::numeric_limits<double>::quiet_NaN();
    *number += by;
    return *number;
}

bool SharedStore::BeginOnce(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    if (values_.count(key) != 0 || pending_.count(key) != 0) return false;
    pending_[key] = true;
    return true;
}

bool SharedStore::IsPending(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.count(key) != 0;
}

void SharedStore::AbandonOnce(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(key);
}

}  // namespace lse::lua
