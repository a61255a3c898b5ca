"""Explicit 8-lane SIMD for numba kernels (LLVM vector types through ``@intrinsic``).

numba cannot mark arrays ``noalias``, so LLVM's loop vectorizer gives up (or runs scalar
fallbacks) on butterfly loops that touch several places of one array. These intrinsics let the
kernels say exactly what they mean: load 8 consecutive reals as one vector, fused multiply-add,
lane permutations, store. The vectors live in registers across numba control flow.

``Vec`` holds 8 lanes of float64 (``VF64``) or float32 (``VF32``), matching the state's real dtype.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic, models, register_model

W = 8  # lanes per vector; also the chunk width of the internal state layout

#: numba options of every engine kernel
JIT = dict(cache=True, nogil=True, error_model="numpy", boundscheck=False)


class Vec(types.Type):
    def __init__(self, dtype):
        self.dtype = dtype
        super().__init__(name=f"Vec{W}({dtype})")


VF64 = Vec(types.float64)
VF32 = Vec(types.float32)


@register_model(Vec)
class _VecModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, ir.VectorType(_elt(fe_type.dtype), W))


def _elt(dtype):
    return ir.DoubleType() if dtype == types.float64 else ir.FloatType()


def _vty(dtype):
    return ir.VectorType(_elt(dtype), W)


def _vec_ptr(context, builder, arrty, arr, idx):
    ary = context.make_array(arrty)(context, builder, arr)
    p = builder.gep(ary.data, [idx], inbounds=True)
    return builder.bitcast(p, _vty(arrty.dtype).as_pointer())


def _convert(builder, v, src, dst):
    if src == dst:
        return v
    if dst == types.float64:
        return builder.fpext(v, _vty(dst))
    return builder.fptrunc(v, _vty(dst))


@intrinsic
def vload(typingctx, arr, idx):
    """arr[idx:idx+8] as a vector of the array's dtype."""
    def codegen(context, builder, sig, args):
        return builder.load(_vec_ptr(context, builder, sig.args[0], args[0], args[1]), align=8)
    return Vec(arr.dtype)(arr, types.intp), codegen


@intrinsic
def vloadd(typingctx, arr, idx):
    """arr[idx:idx+8] converted to float64 lanes."""
    def codegen(context, builder, sig, args):
        v = builder.load(_vec_ptr(context, builder, sig.args[0], args[0], args[1]), align=8)
        return _convert(builder, v, sig.args[0].dtype, types.float64)
    return VF64(arr, types.intp), codegen


@intrinsic
def vstore(typingctx, arr, idx, v):
    """arr[idx:idx+8] = v (converted to the array's dtype)."""
    def codegen(context, builder, sig, args):
        val = _convert(builder, args[2], sig.args[2].dtype, sig.args[0].dtype)
        builder.store(val, _vec_ptr(context, builder, sig.args[0], args[0], args[1]), align=8)
        return context.get_dummy_value()
    return types.void(arr, types.intp, v), codegen


@intrinsic
def vsplat(typingctx, like, x):
    """A vector with every lane = x, of the dtype of ``like`` (an array or a Vec)."""
    dt = like.dtype

    def codegen(context, builder, sig, args):
        et = _elt(dt)
        xv = args[1]
        if isinstance(sig.args[1], types.Integer):
            xv = builder.sitofp(xv, et)
        elif xv.type != et:
            xv = builder.fptrunc(xv, et) if et == ir.FloatType() else builder.fpext(xv, et)
        undef = ir.Constant(_vty(dt), ir.Undefined)
        v = builder.insert_element(undef, xv, ir.Constant(ir.IntType(32), 0))
        return builder.shuffle_vector(v, undef, ir.Constant(ir.VectorType(ir.IntType(32), W), [0] * W))
    return Vec(dt)(like, x), codegen


@intrinsic
def vtod(typingctx, v):
    """Convert to float64 lanes."""
    def codegen(context, builder, sig, args):
        return _convert(builder, args[0], sig.args[0].dtype, types.float64)
    return VF64(v), codegen


@intrinsic
def vas(typingctx, like, v):
    """Convert ``v`` to the lane dtype of ``like`` (an array or a Vec)."""
    def codegen(context, builder, sig, args):
        return _convert(builder, args[1], sig.args[1].dtype, sig.args[0].dtype)
    return Vec(like.dtype)(like, v), codegen


def _binop(name):
    @intrinsic
    def op(typingctx, a, b):
        def codegen(context, builder, sig, args):
            return getattr(builder, name)(args[0], args[1])
        return a(a, b), codegen
    return op


vadd = _binop("fadd")
vsub = _binop("fsub")
vmul = _binop("fmul")


def _intrinsic_call(builder, name, vt, args):
    suffix = f"v{W}{'f64' if vt.element == ir.DoubleType() else 'f32'}"
    fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vt, [vt] * len(args)),
                                        f"llvm.{name}.{suffix}")
    return builder.call(fn, list(args))


@intrinsic
def vfma(typingctx, a, b, c):
    """a * b + c, fused."""
    def codegen(context, builder, sig, args):
        return _intrinsic_call(builder, "fma", args[0].type, args)
    return a(a, b, c), codegen


@intrinsic
def vfloor(typingctx, a):
    def codegen(context, builder, sig, args):
        return _intrinsic_call(builder, "floor", args[0].type, args)
    return a(a), codegen


@intrinsic
def vmin(typingctx, a, b):
    def codegen(context, builder, sig, args):
        return _intrinsic_call(builder, "minnum", args[0].type, args)
    return a(a, b), codegen


def _perm(mask):
    @intrinsic
    def op(typingctx, a):
        def codegen(context, builder, sig, args):
            m = ir.Constant(ir.VectorType(ir.IntType(32), W), mask)
            return builder.shuffle_vector(args[0], args[0], m)
        return a(a), codegen
    return op


#: lane l <- lane l ^ 1, l ^ 2, l ^ 4: the partner amplitude of qubit 0, 1, 2 inside a chunk
vperm1 = _perm([1, 0, 3, 2, 5, 4, 7, 6])
vperm2 = _perm([2, 3, 0, 1, 6, 7, 4, 5])
vperm4 = _perm([4, 5, 6, 7, 0, 1, 2, 3])


@intrinsic
def vhsum(typingctx, a):
    """Sum of the lanes, as float64."""
    def codegen(context, builder, sig, args):
        v = _convert(builder, args[0], sig.args[0].dtype, types.float64)
        acc = builder.extract_element(v, ir.Constant(ir.IntType(32), 0))
        for k in range(1, W):
            acc = builder.fadd(acc, builder.extract_element(v, ir.Constant(ir.IntType(32), k)))
        return acc
    return types.float64(a), codegen
