package io.dams.embedded;
