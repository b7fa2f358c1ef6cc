import { Injectable } from '@nestjs/common';
import { EndpointDirectory } from '../endpoint-config/endpoint-directory.js';
import type { TransformerTestDto, TransformerTestResultDto } from './dto/transformer-test.dto.js';
import { compileTransformer } from './transformer-compiler.js';
import { transformerEndpointView } from './transformer-endpoint-view.js';
import { TransformerRuntime } from './transformer-runtime.js';
import { TransformerCodeMissingError } from './transformer.errors.js';
import type { HookRunResult } from './transformer.types.js';

/**
 * `POST /endpoints/{id}/transformer/test`: runs one function of the stored (or the given, unsaved) code the way
 * the pipeline would — same sandbox, time limit, `httpRequest` and session storage reads — but saves nothing.
 * Failures of the user's code are results (`ok: false`), not errors.
 */
@Injectable()
export class TransformerDryRunService {
  constructor(
    private readonly endpoints: EndpointDirectory,
    private readonly runtime: TransformerRuntime,
  ) {}

  async test(endpointId: string, dto: TransformerTestDto): Promise<TransformerTestResultDto> {
    const endpoint = await this.endpoints.requireExisting(endpointId);
    let compiledJs = endpoint.transformerJs;
    if (dto.code !== undefined) {
      const compiled = compileTransformer(dto.code);
      if (!compiled.ok) {
        const { message, line, column } = compiled;
        return { ok: false, error: { message, line, column, kind: 'error' }, console: [], durationMs: 0 };
      }
      compiledJs = compiled.js;
    }
    if (compiledJs === null) throw new TransformerCodeMissingError(endpointId);
    const result = await this.runtime.runHook({
      endpointId,
      compiledJs,
      hook: dto.function,
      args: { endpoint: transformerEndpointView(endpoint), ...dto.args },
      timeoutMs: endpoint.transformer.timeoutMs,
    });
    return toResultDto(result);
  }
}

function toResultDto(result: HookRunResult): TransformerTestResultDto {
  const durationMs = Math.round(result.durationMs * 100) / 100;
  if (!result.ok) return { ok: false, error: result.error, console: result.logs, durationMs };
  return {
    ok: true,
    hookPresent: result.hookPresent,
    ...(result.value === undefined ? {} : { value: result.value }),
    ...(result.response === undefined ? {} : { response: result.response }),
    sessionStorageWrites: result.sessionStorageWrites,
    console: result.logs,
    durationMs,
  };
}
