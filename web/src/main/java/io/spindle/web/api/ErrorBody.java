package io.spindle.web.api;

/** What every failed API call answers: one sentence a user can act on. */
public record ErrorBody(String error) {}
