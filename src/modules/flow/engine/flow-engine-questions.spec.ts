import { describe, expect, it } from 'vitest';
import type { FlowNodeDefinition, QuestionNodeDefinition, QuestionType } from './flow-definition.types.js';
import { compileNodes, engineFor, TestConversation } from './testing/flow-test-kit.js';

type QuestionFields = Omit<QuestionNodeDefinition, 'id' | 'type' | 'next'>;

/** A question followed by a say of the result, plus the escalation node when the question names it. */
function questionConversation(question: QuestionFields): TestConversation {
  const nodes: FlowNodeDefinition[] = [
    { id: 'q', type: 'question', next: 'done', ...question },
    { id: 'done', type: 'say', text: 'result={{JSON.stringify(input.result)}} ctx={{JSON.stringify(context.answer)}}' },
  ];
  if (question.escalate) nodes.push({ id: question.escalate, type: 'say', text: 'Let me get a human' });
  return new TestConversation(engineFor([compileNodes('f', nodes)]), 'f');
}

describe('question node: asking and answering', () => {
  it('says the question, waits, and resumes with the answer', async () => {
    const conversation = questionConversation({ text: 'Name?', questionType: 'text', contextKey: 'answer' });
    const asked = await conversation.send('start');
    expect(asked.outputs.map((output) => output.text)).toEqual(['Name?']);
    expect(asked.status).toBe('waiting');
    expect(asked.session.activeQuestion).toEqual({ flowId: 'f', nodeId: 'q', reprompts: 0 });

    const answered = await conversation.send('  Ada ');
    expect(answered.outputs.map((output) => output.text)).toEqual(['result="Ada" ctx="Ada"']);
    expect(answered.input.activeQuestion).toEqual({ flowId: 'f', nodeId: 'q', questionType: 'text', reprompts: 0 });
    expect(answered.session.activeQuestion).toBeNull();
  });

  it.each<[QuestionType, string, string, string?]>([
    ['yesNo', 'yeah sure', 'result=true ctx=true'],
    ['yesNo', 'nope', 'result=false ctx=false'],
    ['number', 'about 42 please', 'result=42 ctx=42'],
    ['email', 'mail me at ada@example.com', 'result="ada@example.com" ctx="ada@example.com"'],
    ['regex', 'ABC-123', 'result="ABC-123" ctx="ABC-123"', '^[A-Z]{3}-\\d+$'],
  ])('%s question accepts %s', async (questionType, answer, said, pattern) => {
    const conversation = questionConversation({ text: 'Q?', questionType, pattern, contextKey: 'answer' });
    await conversation.send('start');
    expect(await conversation.texts(answer)).toEqual([said]);
  });

  it.each<[QuestionType, string, string?]>([
    ['yesNo', 'maybe'],
    ['number', 'lots'],
    ['email', 'not an address'],
    ['regex', '12345', '^\\d{4}$'],
    ['text', '   '],
  ])('%s question rejects "%s" and asks again', async (questionType, answer, pattern) => {
    const conversation = questionConversation({ text: 'Q?', questionType, pattern, contextKey: 'answer' });
    await conversation.send('start');
    const result = await conversation.send(answer);
    expect(result.outputs.map((output) => output.text)).toEqual(['Q?']);
    expect(result.session.activeQuestion).toEqual({ flowId: 'f', nodeId: 'q', reprompts: 1 });
    expect(result.session.context).toEqual({});
  });

  it('says the reprompt text instead of the question when set', async () => {
    const conversation = questionConversation({
      text: 'Age?',
      questionType: 'number',
      reprompt: 'A number please, {{input.text}}?',
    });
    await conversation.send('start');
    expect(await conversation.texts('old')).toEqual(['A number please, old?']);
    expect(await conversation.texts('very old')).toEqual(['A number please, very old?']);
    expect(await conversation.texts('99')).toEqual(['result=99 ctx=']);
  });

  it('reprompts maxReprompts times, then escalates with input.result null', async () => {
    const conversation = questionConversation({
      text: 'Yes or no?',
      questionType: 'yesNo',
      reprompt: 'Please say yes or no',
      maxReprompts: 2,
      escalate: 'human',
    });
    await conversation.send('start');
    expect(await conversation.texts('hmm')).toEqual(['Please say yes or no']);
    expect(await conversation.texts('what')).toEqual(['Please say yes or no']);
    const escalated = await conversation.send('banana');
    expect(escalated.outputs.map((output) => output.text)).toEqual(['Let me get a human']);
    expect(escalated.input.result).toBeNull();
    expect(escalated.session.activeQuestion).toBeNull();
  });

  it('continues at next with result null when reprompts run out and there is no escalate node', async () => {
    const conversation = questionConversation({
      text: 'Number?',
      questionType: 'number',
      maxReprompts: 0,
      contextKey: 'answer',
    });
    await conversation.send('start');
    expect(await conversation.texts('none')).toEqual(['result=null ctx=']);
  });

  it('starts over at the start node after the flow ended', async () => {
    const conversation = questionConversation({ text: 'Name?', questionType: 'text' });
    await conversation.send('start');
    await conversation.send('Ada');
    expect(await conversation.texts('again')).toEqual(['Name?']);
  });

  it('returns to the calling flow after a question inside an executed flow is answered', async () => {
    const main = compileNodes('main', [
      { id: 'call', type: 'executeFlow', flowId: 'ask', next: 'thanks' },
      { id: 'thanks', type: 'say', text: 'Thanks, {{context.city}}' },
    ]);
    const ask = compileNodes('ask', [{ id: 'q', type: 'question', text: 'City?', contextKey: 'city' }]);
    const conversation = new TestConversation(engineFor([main, ask]), 'main');
    expect(await conversation.texts('hi')).toEqual(['City?']);
    expect(conversation.session?.callStack).toEqual([{ flowId: 'main', nodeId: 'call' }]);
    expect(await conversation.texts('Paris')).toEqual(['Thanks, Paris']);
    expect(conversation.session?.callStack).toEqual([]);
  });

  it('starts over with a warning when the active question was removed from the flow', async () => {
    const before = compileNodes('f', [{ id: 'q', type: 'question', text: 'Old?' }]);
    const after = compileNodes('f', [{ id: 'hello', type: 'say', text: 'Hello' }]);
    const first = await engineFor([before]).run({
      flowId: 'f',
      session: null,
      input: { text: 'x', data: null, userId: 'u', sessionId: 's', inputId: 'i', traceId: 't', urlToken: 'k' },
      nlu: false,
    });
    const second = await engineFor([after]).run({
      flowId: 'f',
      session: first.session,
      input: { text: 'y', data: null, userId: 'u', sessionId: 's', inputId: 'i2', traceId: 't2', urlToken: 'k' },
      nlu: false,
    });
    expect(second.outputs.map((output) => output.text)).toEqual(['Hello']);
    expect(second.warnings).toEqual([
      {
        code: 'POSITION_RESET',
        flowId: 'f',
        nodeId: 'q',
        message: 'the active question no longer exists; starting over',
      },
    ]);
  });
});
