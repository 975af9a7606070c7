import { registerEnumType } from 'type-graphql';

/** What kind of work a task is. */
export enum TaskType {
  GENERAL = 'GENERAL',
  FOLLOW_UP = 'FOLLOW_UP',
  CALL = 'CALL',
  MEETING = 'MEETING',
  REMINDER = 'REMINDER',
  DEADLINE = 'DEADLINE',
}

registerEnumType(TaskType, {
  name: 'TaskType',
  description:
    'What kind of work a task is: GENERAL, FOLLOW_UP (the kind the auto-CRM files from action items), CALL, MEETING, REMINDER, DEADLINE.',
});
