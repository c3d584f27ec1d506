package io.dams.launcher;
public final class DamsCommand { public static void main(String[] a) {} }
