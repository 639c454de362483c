"""Build the cnnengine C++ extension (pybind11 + OpenMP when available).

AVX2/FMA kernels live in their own translation units (files named *_avx2_fma.cpp) and are the
only ones compiled with -mavx2 -mfma; AVX-512 kernels likewise (*_avx512.cpp, -mavx512f);
everything else targets the baseline ISA, so one binary runs on any x86-64 and the kernels are
picked at run time from cpuid.
"""
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from glob import glob

from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from Cython.Build import cythonize
from setuptools import Extension, setup

AVX2_SOURCE_SUFFIX = "_avx2_fma.cpp"
AVX512_SOURCE_SUFFIX = "_avx512.cpp"
IS_X86_64 = platform.machine().lower() in ("x86_64", "amd64")


OPENMP_PROBE = "#include <omp.h>\nint main() { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
PLAIN_PROBE = "int main() { return 0; }\n"


def compiler_accepts(flags, program=PLAIN_PROBE):
    """True when the C++ compiler builds and links `program` with these flags."""
    compiler = os.environ.get("CXX", "c++")
    if shutil.which(compiler) is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.cpp")
        with open(src, "w") as f:
            f.write(program)
        result = subprocess.run([compiler, src, *flags, "-o", os.path.join(tmp, "probe")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return result.returncode == 0


class BuildExtWithIsaUnits(build_ext):
    """Adds the ISA flags to the *_avx2_fma.cpp and *_avx512.cpp units only (setuptools has no
    per-file flags)."""

    def build_extension(self, ext):
        original_compile = self.compiler._compile

        def compile_one(obj, src, ext_name, cc_args, extra_postargs, pp_opts):
            postargs = list(extra_postargs)
            if src.endswith(AVX2_SOURCE_SUFFIX) and IS_X86_64:
                postargs += avx2_flags
            if src.endswith(AVX512_SOURCE_SUFFIX) and IS_X86_64:
                postargs += avx512_flags
            original_compile(obj, src, ext_name, cc_args, postargs, pp_opts)

        self.compiler._compile = compile_one
        try:
            super().build_extension(ext)
        finally:
            self.compiler._compile = original_compile


sources = sorted(glob("src/**/*.cpp", recursive=True))
compile_args = ["-O3", "-fno-math-errno", "-fvisibility=hidden"]
link_args = []
macros = []
if sys.platform != "win32" and compiler_accepts(["-fopenmp"], OPENMP_PROBE):
    compile_args.append("-fopenmp")
    link_args.append("-fopenmp")
else:
    print("cnnengine: the compiler has no OpenMP; building the serial version", file=sys.stderr)
avx2_flags = ["-mavx2", "-mfma"]
if IS_X86_64:
    macros.append(("CNNENGINE_HAVE_AVX2_UNITS", "1"))
    # GCC's generic tuning splits unaligned 256-bit loads and stores into 128-bit halves (good for
    # 2011 CPUs); whole-vector accesses are faster on every AVX2 CPU and keep store forwarding.
    split_off = ["-mno-avx256-split-unaligned-load", "-mno-avx256-split-unaligned-store"]
    if compiler_accepts(split_off):
        avx2_flags += split_off
avx512_flags = ["-mavx512f", "-mavx2", "-mfma"]
build_avx512 = IS_X86_64 and compiler_accepts(avx512_flags)
if build_avx512:
    macros.append(("CNNENGINE_HAVE_AVX512_UNITS", "1"))
# ISA units are built only where their instructions exist (arm64 builds the portable path alone);
# every dispatch to them is under the matching CNNENGINE_HAVE_*_UNITS macro.
sources = [src for src in sources
           if (IS_X86_64 or not src.endswith(AVX2_SOURCE_SUFFIX))
           and (build_avx512 or not src.endswith(AVX512_SOURCE_SUFFIX))]

extension = Pybind11Extension(
    "cnnengine._C",
    sources,
    include_dirs=["src"],
    cxx_std=17,
    extra_compile_args=compile_args,
    extra_link_args=link_args,
    define_macros=macros,
)

# The data-augmentation kernel (training): Cython with OpenMP prange.
augment = Extension("cnnengine._augment", ["cnnengine/_augment.pyx"], extra_compile_args=["-O3", *link_args],
                    extra_link_args=link_args)

ParallelCompile("CNNENGINE_BUILD_JOBS", default=0).install()
setup(ext_modules=[extension, *cythonize([augment], quiet=True)], cmdclass={"build_ext": BuildExtWithIsaUnits})
