package io.sparkconv.core.keras;

import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;

import java.nio.file.Path;

/** Reads weight datasets as float32, checking dtype and size before any data is read. */
final class Hdf5Weights {
    private Hdf5Weights() {
    }

    /** The node at a relative path ({@code conv2d/kernel:0}, {@code kernel}, {@code layers/conv2d/vars}), or null. */
    static Node child(Group start, String relativePath) {
        Node current = start;
        for (String part : relativePath.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!(current instanceof Group group)) {
                return null;
            }
            current = group.getChild(part);
            if (current == null) {
                return null;
            }
        }
        return current;
    }

    static float[] readFloats(Dataset dataset, String what, String layerName, Path file, long maxElements) {
        DataType type = dataset.getDataType();
        String dtype = dtypeName(dataset);
        boolean bfloat16 = "bfloat16".equals(dtype);
        boolean supported = bfloat16 || (type instanceof FloatingPoint
                && (type.getSize() == 2 || type.getSize() == 4 || type.getSize() == 8));
        if (!supported || dataset.isCompound() || dataset.isVariableLength()) {
            throw new KerasFileException("unsupported weight dtype " + dtype + " for the " + what + " of layer '"
                    + layerName + "' (" + dataset.getPath() + " in " + file
                    + "); expected float16, float32, float64 or bfloat16");
        }
        int[] dims = dataset.getDimensions();
        long elements = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new KerasFileException("the " + what + " of layer '" + layerName + "' in " + file
                        + " has a negative dimension " + d);
            }
            elements = Math.multiplyExact(elements, (long) d);
            if (elements > maxElements) {
                throw new KerasFileException("the " + what + " of layer '" + layerName + "' in " + file + " has shape "
                        + KernelLoading.shapeText(dims) + ", over the limit of " + maxElements + " elements");
            }
        }
        if (dims.length == 0 || dataset.isScalar()) {
            throw new KerasFileException("the " + what + " of layer '" + layerName + "' in " + file
                    + " is a scalar, expected an array");
        }
        if (elements == 0) {
            return new float[0];
        }
        Object data = dataset.getDataFlat();
        if (data instanceof float[] f) {
            return f;
        }
        if (data instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i]; // round to nearest, as numpy's astype(float32) does
            }
            return f;
        }
        if (bfloat16 && data instanceof short[] s) {
            float[] f = new float[s.length];
            for (int i = 0; i < s.length; i++) {
                f[i] = Float.intBitsToFloat((s[i] & 0xffff) << 16);
            }
            return f;
        }
        if (bfloat16 && data instanceof int[] s) { // jhdf widens unsigned 16-bit integers to int
            float[] f = new float[s.length];
            for (int i = 0; i < s.length; i++) {
                f[i] = Float.intBitsToFloat((s[i] & 0xffff) << 16);
            }
            return f;
        }
        throw new KerasFileException("unsupported weight dtype " + dtype + " for the " + what + " of layer '"
                + layerName + "' in " + file + ": read as " + data.getClass().getSimpleName());
    }

    /** numpy-style dtype name of a dataset, honouring Keras 3's {@code dtype="bfloat16"} attribute. */
    static String dtypeName(Dataset dataset) {
        DataType type = dataset.getDataType();
        Attribute declared = dataset.getAttribute("dtype");
        if (declared != null && "bfloat16".equals(declared.getData()) && type instanceof FixedPoint
                && type.getSize() == 2) {
            return "bfloat16";
        }
        if (type instanceof FloatingPoint) {
            return "float" + type.getSize() * 8;
        }
        if (type instanceof FixedPoint fixed) {
            return (fixed.isSigned() ? "int" : "uint") + type.getSize() * 8;
        }
        return type.getClass().getSimpleName() + " (" + type.getSize() + " bytes)";
    }
}
