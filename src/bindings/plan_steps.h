// A plan's kernel calls, bound once to their arrays and run in one C++ call with the GIL released
// (cnnengine/executor.py, BoundRun): per predict Python hands over the graph inputs and calls
// run(), instead of making one Python call per kernel (1-2 us each in argument checks and
// dispatch: LeNet-5 makes 7 calls at batch 1, MobileNet-V3-Small 47).
// Every check a kernel binding makes on a call is made once, when the call is bound. A bound
// call reads each input through a cell: an arena array's data pointer, fixed at bind time, or a
// graph input's, set by run() after checking the array it is given.
#pragma once

#include <pybind11/pybind11.h>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "bindings/array_checks.h"

namespace cnnengine::bindings {

// A checked kernel call: its output, and the kernel run given the inputs' data pointers (read
// only when it runs, so that a bound call can take a graph input's). A binding builds one per
// call: forward runs it at once (no std::function on that path), bind hands it to PlanSteps.
template <class Run>
struct KernelCall {
    FloatArray y;
    Run run;
};
template <class Run>
KernelCall(FloatArray, Run) -> KernelCall<Run>;

// Runs a one-input call on x now, without the GIL; returns its output.
template <class Run>
FloatArray run_now(const FloatArray& x, const KernelCall<Run>& call) {
    {
        py::gil_scoped_release release;
        call.run(x.data());
    }
    return call.y;
}

// An input of a bound call: the array its binding checks (for a graph input, a stand-in of the
// declared shape) and the cell its data pointer is read from when the call runs.
struct StepInput {
    FloatArray array;
    const float* const* cell;
};

class PlanSteps {
public:
    // Declares the next graph input (run() takes them in this order); returns the object that
    // stands for it in the inputs of bind calls.
    py::int_ add_graph_input(const std::vector<int64_t>& shape);
    // A bind call's input: a float32 array (fixed) or a graph input's number; `what`, `rank` and
    // `layout` as for require_float32.
    StepInput input(const py::handle& obj, const std::string& what, int rank, const char* layout);
    // Appends a call; `owner` (the kernel object, the output array) lives as long as the steps.
    void add(py::object owner, std::function<void()> call);
    // Appends a one-input kernel call reading `x`; the output array lives as long as the steps.
    template <class Run>
    void add(py::object owner, const KernelCall<Run>& call, const StepInput& x) {
        add(py::make_tuple(std::move(owner), call.y), [run = call.run, cell = x.cell] { run(*cell); });
    }
    // Checks each graph input (a C-contiguous float32 array of its declared shape), then runs
    // every call in order without the GIL.
    void run(const std::vector<py::object>& graph_inputs);
    // run(), returning the seconds each call took (Model.profile: per-layer times of the very
    // loop predict runs, threads and all, which timing from Python would disturb).
    std::vector<double> run_timed(const std::vector<py::object>& graph_inputs);

private:
    // Checks the graph inputs and points their cells at them; the arrays returned (copies that
    // require_float32 made) must outlive the run.
    std::vector<FloatArray> set_graph_inputs(const std::vector<py::object>& graph_inputs);

    std::deque<const float*> cells_;  // stable addresses: calls hold pointers to them
    std::vector<FloatArray> stand_ins_;
    std::vector<const float**> graph_input_cells_;
    std::vector<std::function<void()>> calls_;
    std::vector<py::object> owners_;
};

}  // namespace cnnengine::bindings
