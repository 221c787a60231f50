package io.sparkconv.core.keras;

import io.jhdf.api.Attribute;
import io.jhdf.api.Node;

import java.util.ArrayList;
import java.util.List;

/**
 * String attributes as Keras writes them: fixed-length or variable-length, ASCII or UTF-8, scalar or 1-D;
 * lists possibly chunked into {@code name0, name1, ...}; an empty list stored as an empty float64 array.
 */
final class Hdf5Strings {
    private Hdf5Strings() {
    }

    /** Short metadata strings (keras_version, backend): anything over 4 KiB is not one. */
    static String readOptionalString(Node node, String name) {
        Attribute attribute = node.getAttribute(name);
        if (attribute == null) {
            return null;
        }
        checkSize(attribute, node, 4096);
        Object data = attribute.getData();
        if (data instanceof String s) {
            return s;
        }
        if (data instanceof String[] array && array.length == 1) {
            return array[0];
        }
        return null;
    }

    static String readString(Node node, String name, long maxBytes) {
        Attribute attribute = node.getAttribute(name);
        if (attribute == null) {
            throw new KerasFileException("attribute " + name + " missing from " + node.getPath());
        }
        checkSize(attribute, node, maxBytes);
        Object data = attribute.getData();
        if (data instanceof String s) {
            return s;
        }
        if (data instanceof String[] array && array.length == 1) {
            return array[0];
        }
        throw new KerasFileException("attribute " + name + " of " + node.getPath() + " is not a string (it holds "
                + describe(attribute) + ")");
    }

    /** Reads {@code name}, or the chunks {@code name0}, {@code name1}, ... when the list was split (spec 8.2). */
    static List<String> readStringList(Node node, String name, int maxCount) {
        List<String> out = new ArrayList<>();
        Attribute whole = node.getAttribute(name);
        if (whole != null) {
            appendStrings(whole, node, name, out, maxCount);
            return out;
        }
        for (int chunk = 0; ; chunk++) {
            Attribute part = node.getAttribute(name + chunk);
            if (part == null) {
                break;
            }
            appendStrings(part, node, name + chunk, out, maxCount);
        }
        return out;
    }

    private static void appendStrings(Attribute attribute, Node node, String name, List<String> out, int maxCount) {
        if (attribute.isEmpty()) {
            return; // Keras/h5py store an empty list as an empty float64 array
        }
        if (attribute.getSize() + out.size() > maxCount) {
            throw new KerasFileException("attribute " + name + " of " + node.getPath() + " lists " + attribute.getSize()
                    + " entries, over the limit of " + maxCount);
        }
        Object data = attribute.getData();
        if (data instanceof String s) {
            out.add(s);
        } else if (data instanceof String[] array) {
            for (String s : array) {
                out.add(s);
            }
        } else {
            throw new KerasFileException("attribute " + name + " of " + node.getPath()
                    + " is not a list of strings (it holds " + describe(attribute) + ")");
        }
    }

    private static void checkSize(Attribute attribute, Node node, long maxBytes) {
        long bytes = attribute.getSizeInBytes();
        if (bytes > maxBytes) {
            throw new KerasFileException("attribute " + attribute.getName() + " of " + node.getPath() + " is "
                    + bytes + " bytes, over the limit of " + maxBytes);
        }
    }

    static String describe(Attribute attribute) {
        return attribute.getDataType().getClass().getSimpleName() + " of " + attribute.getDataType().getSize()
                + " bytes, dimensions " + java.util.Arrays.toString(attribute.getDimensions());
    }
}
