// The out= keyword of the kernel functions. An optimized kernel and its *_ref twin share one C++
// entry point whose last parameter is `const py::object& out` (see output_array in
// array_checks.h); the kernel is registered with a keyword-only out=None, the twin keeps its
// Python signature and always passes None.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <tuple>
#include <utility>

namespace cnnengine::bindings {

namespace out_arg_detail {

// The parameter list of a function pointer or of a lambda's call operator.
template <class Sig>
struct Signature;
template <class R, class... A>
struct Signature<R (*)(A...)> {
    using Result = R;
    using Args = std::tuple<A...>;
};
template <class C, class R, class... A>
struct Signature<R (C::*)(A...) const> : Signature<R (*)(A...)> {};

template <class F, class = void>
struct CallSignature : Signature<F> {};
template <class F>
struct CallSignature<F, std::void_t<decltype(&F::operator())>> : Signature<decltype(&F::operator())> {};

template <class F, std::size_t... I>
auto drop_out(F f, std::index_sequence<I...>) {
    using S = CallSignature<F>;
    return [f](std::tuple_element_t<I, typename S::Args>... args) -> typename S::Result {
        return f(args..., pybind11::none());
    };
}

}  // namespace out_arg_detail

// f(args..., out) as a function of args... alone that passes out=None.
template <class F>
auto without_out(F f) {
    constexpr std::size_t n = std::tuple_size_v<typename out_arg_detail::CallSignature<F>::Args>;
    return out_arg_detail::drop_out(f, std::make_index_sequence<n - 1>());
}

// Registers f(args..., out) as name(args..., *, out=None), or, for a *_ref twin (with_out false),
// as name(args...). `extra` holds the py::arg annotations of args... and the docstring.
template <class F, class... Extra>
void def_with_out(pybind11::module_& m, const char* name, bool with_out, F f, const Extra&... extra) {
    if (with_out)
        m.def(name, f, extra..., pybind11::kw_only(), pybind11::arg("out") = pybind11::none());
    else
        m.def(name, without_out(f), extra...);
}

}  // namespace cnnengine::bindings
