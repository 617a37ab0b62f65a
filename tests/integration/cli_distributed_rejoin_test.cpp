// Placeholder: filled in by the distributed-mode work of this session.
#include "distributed_test_util.hpp"
