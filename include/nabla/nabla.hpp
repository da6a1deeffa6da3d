// Everything nabla offers, in one include.
#pragma once

#include "nabla/core/arguments.hpp"
#include "nabla/core/rules.hpp"
#include "nabla/core/scalar.hpp"
#include "nabla/core/special_functions.hpp"
#include "nabla/forward/drivers.hpp"
#include "nabla/forward/dual.hpp"
#include "nabla/forward/eigen.hpp"
#include "nabla/forward/taylor.hpp"
#include "nabla/numeric/finite_difference.hpp"
#include "nabla/numeric/gradcheck.hpp"
#include "nabla/reverse/drivers.hpp"
#include "nabla/reverse/eigen.hpp"
#include "nabla/reverse/tape.hpp"
#include "nabla/reverse/var.hpp"
