/** Validation, limits and dedupe of the batches agents send to the edge bridge, before anything is forwarded. */
package io.dams.bridge.validation;
