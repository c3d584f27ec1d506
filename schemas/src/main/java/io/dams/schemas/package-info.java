package io.dams.schemas;
