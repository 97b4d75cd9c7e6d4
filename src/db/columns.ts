import { CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

// Shared column shapes so every table spells ids and timestamps the same way.
export const UuidPrimary = () => PrimaryGeneratedColumn("uuid", { name: "id" });
export const CreatedAt = () => CreateDateColumn({ type: "timestamptz", name: "created_at" });
export const UpdatedAt = () => UpdateDateColumn({ type: "timestamptz", name: "updated_at" });
/** An empty JSON object default, spelled the way PostgreSQL reports it back. */
export const EMPTY_JSON = () => "'{}'";
