import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString } from 'class-validator';
import type { ChatMessage } from '#switchyard/contracts';

/** The roles a chat message may have. */
export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;

/** One message of a chat request. */
export class ChatMessageDto implements ChatMessage {
  @IsIn(CHAT_ROLES)
  @ApiProperty({ enum: CHAT_ROLES })
  role: ChatMessage['role'];

  @IsString()
  @ApiProperty({ example: 'What is a KV cache?' })
  content: string;
}
