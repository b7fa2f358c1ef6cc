import { Global, Module } from '@nestjs/common';
import { RateLimiter } from './rate-limiter.js';

/** The process-wide rate limiter, injectable anywhere (ingestion, inject/notify). */
@Global()
@Module({ providers: [{ provide: RateLimiter, useFactory: () => new RateLimiter() }], exports: [RateLimiter] })
export class RateLimitModule {}
