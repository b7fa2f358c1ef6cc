import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FieldError } from '../../common/errors/domain-error.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, type Page, toPage } from '../../common/pagination/pagination.js';
import { validateFlowDefinition, type FlowValidationError } from './engine/index.js';
import { DEFAULT_INTENT_THRESHOLD, type FlowDefinition } from './engine/flow-definition.types.js';
import type { FlowDefinitionDto, FlowResponseDto, UpdateFlowDto } from './dto/flow.dto.js';
import type { FlowEntity, StoredFlowDefinition } from './flow.entity.js';
import { FlowInUseError, FlowInvalidError, FlowNotFoundError } from './flow.errors.js';
import { type FlowContent, FlowRepository } from './flow.repository.js';
import { FlowUsageRegistry } from './flow-usage.registry.js';
import { applyMergePatch } from './json-merge-patch.util.js';

/** What the pipeline runs: the definition with its name, and the version it was saved as. */
export interface FlowDefinitionRecord {
  id: string;
  version: number;
  definition: FlowDefinition;
}

@Injectable()
export class FlowService {
  constructor(
    private readonly repository: FlowRepository,
    private readonly usage: FlowUsageRegistry,
  ) {}

  async create(dto: FlowDefinitionDto): Promise<FlowResponseDto> {
    // The id is chosen up front so the definition may already name its own flow (goTo/executeFlow targets).
    const id = randomUUID();
    const content = toContent(dto);
    this.assertValid(id, content, await this.knownFlowIds(id));
    return toResponse(await this.repository.insert({ id, ...content }));
  }

  async list(limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<Page<FlowResponseDto>> {
    const rows = await this.repository.page(decodeCursor(cursor), limit + 1);
    return toPage(rows, limit, toResponse);
  }

  async get(id: string): Promise<FlowResponseDto> {
    return toResponse(await this.require(id));
  }

  async replace(id: string, dto: FlowDefinitionDto): Promise<FlowResponseDto> {
    if (!(await this.repository.exists(id))) throw new FlowNotFoundError(id);
    const content = toContent(dto);
    this.assertValid(id, content, await this.knownFlowIds(id));
    return toResponse((await this.repository.replace(id, content)) ?? this.notFound(id));
  }

  /** JSON merge patch (RFC 7396) of the whole flow document, then the same validation as a full save. */
  async patch(id: string, patch: UpdateFlowDto): Promise<FlowResponseDto> {
    // Read before the row lock: on the embedded database a second connection would wait for the transaction.
    const known = await this.knownFlowIds(id);
    const updated = await this.repository.updateLocked(id, (current) => {
      const merged = applyMergePatch(toDocument(current), patch) as FlowDefinitionDto;
      const content = toContent(merged);
      this.assertValid(id, content, known);
      return content;
    });
    return toResponse(updated ?? this.notFound(id));
  }

  async delete(id: string): Promise<void> {
    const referencing = await this.repository.findReferencingFlows(id);
    const users = [
      ...(await this.usage.findUsers(id)),
      ...referencing.map((flow) => ({ kind: 'flow' as const, ...flow })),
    ];
    if (users.length > 0) throw new FlowInUseError(id, users);
    const outcome = await this.repository.delete(id);
    if (outcome === 'missing') throw new FlowNotFoundError(id);
    // An endpoint was pointed at the flow between the check and the delete; the foreign key stopped it.
    if (outcome === 'referenced') throw new FlowInUseError(id, await this.usage.findUsers(id));
  }

  exists(id: string): Promise<boolean> {
    return this.repository.exists(id);
  }

  /** For the pipeline: the runnable definition (name included) and its version; null when the flow is gone. */
  async getDefinition(id: string): Promise<FlowDefinitionRecord | null> {
    const row = await this.repository.findDefinition(id);
    if (!row) return null;
    return { id: row.id, version: row.version, definition: { name: row.name, ...row.definition } };
  }

  private async knownFlowIds(ownId: string): Promise<Set<string>> {
    const ids = new Set(await this.repository.listIds());
    ids.add(ownId);
    return ids;
  }

  private assertValid(id: string, content: FlowContent, knownFlowIds: ReadonlySet<string>): void {
    const definition: FlowDefinition = { name: content.name, ...content.definition };
    const errors = validateFlowDefinition(definition, { knownFlowIds, flowId: id });
    if (errors.length > 0) throw new FlowInvalidError(errors.map(nodeFieldNamer(definition.nodes)));
  }

  private async require(id: string): Promise<FlowEntity> {
    return (await this.repository.findById(id)) ?? this.notFound(id);
  }

  private notFound(id: string): never {
    throw new FlowNotFoundError(id);
  }
}

/** Normalises a validated document into what is stored: plain objects, defaults filled in. */
function toContent(dto: FlowDefinitionDto): FlowContent {
  const definition: StoredFlowDefinition = {
    defaultContext: dto.defaultContext ?? {},
    intentThreshold: dto.intentThreshold ?? DEFAULT_INTENT_THRESHOLD,
    intents: (dto.intents ?? []).map((intent) => ({ name: intent.name, examples: [...intent.examples] })),
    startNodeId: dto.startNodeId,
    nodes: dto.nodes,
  };
  return { name: dto.name, definition: JSON.parse(JSON.stringify(definition)) as StoredFlowDefinition };
}

function toDocument(entity: FlowEntity): FlowDefinition {
  return { name: entity.name, ...entity.definition };
}

/**
 * The engine names fields by position (`nodes[3].next`); users edit nodes by id, so errors read `nodes[n2].next`.
 * A duplicated id keeps the position, since the id alone would not say which of the nodes is meant.
 */
function nodeFieldNamer(nodes: readonly unknown[]): (error: FlowValidationError) => FieldError {
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const id = (node as { id?: unknown }).id;
    if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return ({ nodeId, field, message }) => {
    if (nodeId === null || counts.get(nodeId) !== 1) return { field, message };
    return { field: field.replace(/^nodes\[\d+\]/, `nodes[${nodeId}]`), message };
  };
}

function toResponse(entity: FlowEntity): FlowResponseDto {
  const { defaultContext, intentThreshold, intents, startNodeId, nodes } = entity.definition;
  return {
    id: entity.id,
    name: entity.name,
    defaultContext,
    intentThreshold,
    intents,
    startNodeId,
    nodes,
    version: entity.version,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}
