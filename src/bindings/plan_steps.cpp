#include "bindings/plan_steps.h"

#include <pybind11/stl.h>

#include <chrono>

#include "bindings/families.h"

namespace cnnengine::bindings {

py::int_ PlanSteps::add_graph_input(const std::vector<int64_t>& shape) {
    stand_ins_.push_back(new_float_array(shape));
    cells_.push_back(stand_ins_.back().data());
    graph_input_cells_.push_back(&cells_.back());
    return py::int_(graph_input_cells_.size() - 1);
}

StepInput PlanSteps::input(const py::handle& obj, const std::string& what, int rank, const char* layout) {
    if (py::isinstance<py::int_>(obj)) {
        const auto index = obj.cast<size_t>();
        require(index < graph_input_cells_.size(), [&] { return what + ": no graph input " + std::to_string(index); });
        return {stand_ins_[index], graph_input_cells_[index]};
    }
    FloatArray array = require_float32(obj, what, rank, layout);
    require(array.ptr() == obj.ptr(), [&] { return what + ": a bound input must be a C-contiguous float32 array"; });
    cells_.push_back(array.data());
    return {array, &cells_.back()};
}

void PlanSteps::add(py::object owner, std::function<void()> call) {
    owners_.push_back(std::move(owner));
    calls_.push_back(std::move(call));
}

std::vector<FloatArray> PlanSteps::set_graph_inputs(const std::vector<py::object>& graph_inputs) {
    require(graph_inputs.size() == graph_input_cells_.size(), [&] {
        return "PlanSteps.run takes " + std::to_string(graph_input_cells_.size()) + " graph inputs, got " +
               std::to_string(graph_inputs.size());
    });
    std::vector<FloatArray> held;
    for (size_t i = 0; i < graph_inputs.size(); ++i) {
        held.push_back(require_float32(graph_inputs[i], "graph input " + std::to_string(i), -1, "the declared shape"));
        require_shape(held.back(), shape_of(stand_ins_[i]), "graph input " + std::to_string(i));
        *graph_input_cells_[i] = held.back().data();
    }
    return held;
}

void PlanSteps::run(const std::vector<py::object>& graph_inputs) {
    const std::vector<FloatArray> held = set_graph_inputs(graph_inputs);
    py::gil_scoped_release release;
    for (const auto& call : calls_) call();
}

std::vector<double> PlanSteps::run_timed(const std::vector<py::object>& graph_inputs) {
    const std::vector<FloatArray> held = set_graph_inputs(graph_inputs);
    std::vector<double> seconds;
    seconds.reserve(calls_.size());
    py::gil_scoped_release release;
    auto start = std::chrono::steady_clock::now();
    for (const auto& call : calls_) {
        call();
        const auto end = std::chrono::steady_clock::now();
        seconds.push_back(std::chrono::duration<double>(end - start).count());
        start = end;
    }
    return seconds;
}

void register_plan_steps(py::module_& m) {
    py::class_<PlanSteps>(m, "PlanSteps",
                          "Kernel calls bound once to their arrays (Conv2d.bind, Linear.bind, bind_max_pool2d, ...) "
                          "and run in order by one run(graph_inputs) call without the GIL.")
        .def(py::init<>())
        .def("add_graph_input", &PlanSteps::add_graph_input, py::arg("shape"),
             "Declares the next graph input; returns the number that stands for it in bind calls.")
        .def("run", &PlanSteps::run, py::arg("graph_inputs"))
        .def("run_timed", &PlanSteps::run_timed, py::arg("graph_inputs"),
             "run(), returning the seconds each bound call took, in order.");
}

}  // namespace cnnengine::bindings
