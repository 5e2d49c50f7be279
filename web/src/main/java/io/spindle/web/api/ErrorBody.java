package io.spindle.web.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What every failed API call answers: one sentence a user can act on. */
@Schema(description = "A failed request: one sentence saying what was wrong and what to do")
public record ErrorBody(
    @Schema(
            description = "What was wrong and what to do",
            example = "there is no file named 'docs/a.txt'")
        String error) {}
